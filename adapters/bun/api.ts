/** The `Bun.*` APIs the Bun adapter uses, typed here: the sources are also compiled without Bun's types. */
import { writeSync } from "node:fs";

export interface BunSubprocess {
  pid: number;
  stdout: ReadableStream<Uint8Array> | number | undefined;
  stderr: ReadableStream<Uint8Array> | number | undefined;
  exited: Promise<number>;
  signalCode: string | null;
  kill(signal?: string): void;
}

export interface BunSocket {
  write(data: string): number;
  end(): void;
}

interface BunApi {
  spawn(options: {
    cmd: string[];
    cwd?: string;
    env?: Record<string, string | undefined>;
    stdin?: Uint8Array | "inherit" | "ignore";
    stdout?: "pipe" | "inherit";
    stderr?: "pipe" | "inherit";
  }): BunSubprocess;
  stdin: { bytes(): Promise<Uint8Array> };
  connect(options: {
    unix: string;
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      close(): void;
      error(socket: BunSocket, error: Error): void;
    };
  }): Promise<BunSocket>;
}

export const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

interface TtyBinding {
  isTTY(fd: number): boolean;
}

/**
 * Whether `fd` is a terminal, from Bun's native tty binding: loading `node:tty` (which brings Node's
 * net and stream layers) costs Bun ~13 ms of CPU, more than the rest of `secret get`. `node:tty`,
 * through Bun's synchronous `import.meta.require`, only where the binding is missing.
 */
export function isatty(fd: number): boolean {
  let binding: Partial<TtyBinding> | undefined;
  try {
    binding = (process as unknown as { binding(name: "tty_wrap"): Partial<TtyBinding> }).binding("tty_wrap");
  } catch {
    binding = undefined;
  }
  if (typeof binding?.isTTY === "function") return binding.isTTY(fd);
  const meta = import.meta as unknown as { require(id: "node:tty"): { isatty(fd: number): boolean } };
  return meta.require("node:tty").isatty(fd);
}

/**
 * Writes to a file descriptor synchronously, as Deno does. On Bun the first touch of process.stdout
 * or process.stderr sets up Node's stream layer, which costs more CPU than the whole `secret get`.
 */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
}
