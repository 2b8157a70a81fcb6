/** What the adapters compute the same way from what their runtime reports. */
import type { Signal } from "../../cli/host.ts";
import type { Platform } from "../../core/runtime.ts";

/** The Platform for an OS name as Node (`process.platform`) or Deno (`Deno.build.os`) spells it. */
export function platformOf(os: string): Platform {
  if (os === "linux" || os === "darwin" || os === "windows") return os;
  return os === "win32" ? "windows" : "other";
}

/** Signal numbers (POSIX, the same on Linux and macOS) of the signals a child is usually ended by. */
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** A shell's exit code for a child killed by `signal`: 128 + its number. */
export function exitCodeForSignal(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}

type SignalListener = (signal: Signal, listener: () => void) => void;

/** cli/host.ts `onSignals` over a runtime's add and remove of a signal listener. */
export function onSignals(
  add: SignalListener,
  remove: SignalListener,
  signals: readonly Signal[],
  handler: (signal: Signal) => void,
): () => void {
  const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) add(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) remove(signal, listener);
  };
}
