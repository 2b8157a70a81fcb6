/**
 * The CliHost for Deno (cli/host.ts), over `Deno.*`: touching `process` on Deno starts its Node
 * compatibility layer, which costs more than the whole `secret get`. What only some commands use is
 * imported when first used; the unlock agent's detached start and server use `node:*`.
 */
import type { CliHost } from "../../cli/host.ts";
import { unlessBrokenPipe } from "../shared/broken-pipe.ts";
import { onSignals } from "../shared/platform.ts";
import { Deno, writeAllSync } from "./api.ts";

export const denoCliHost: CliHost = {
  args: () => [...Deno.args],
  writeStdout: (data) => unlessBrokenPipe(() => writeAllSync(Deno.stdout, data)),
  writeStderr: (data) => unlessBrokenPipe(() => writeAllSync(Deno.stderr, data)),
  stdoutIsTerminal: () => Deno.stdout.isTerminal(),
  stderrIsTerminal: () => Deno.stderr.isTerminal(),
  async readStdin() {
    return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  },
  async confirm(message) {
    const [{ confirm }, { denoTerminal }] = await Promise.all([import("../shared/terminal.ts"), import("./terminal.ts")]);
    return await confirm(denoTerminal, message);
  },
  onSignals: (signals, handler) =>
    onSignals(
      (signal, listener) => Deno.addSignalListener(signal, listener),
      (signal, listener) => Deno.removeSignalListener(signal, listener),
      signals,
      handler,
    ),
  exit: (code) => Deno.exit(code),
  // Deno writes synchronously: nothing is pending.
  exitAfterOutput: async (code) => Deno.exit(code),
  selfCommand: async (mainUrl) =>
    (await import("../shared/self-command.ts")).selfCommand(Deno.execPath(), ["run", "-A", "--quiet"], mainUrl),
  startDetached: async (command, options) => (await import("../shared/detached.ts")).startDetached(command, options),
  requestLine: async (path, line, timeoutMs) => (await import("./socket-client.ts")).requestLine(path, line, timeoutMs),
  serveLines: async (path, answer) => (await import("../shared/line-socket.ts")).serveLines(path, answer),
};
