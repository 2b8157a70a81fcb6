/**
 * The Runtime for Bun: Node's file system and terminal handling (Bun implements `node:fs` and
 * `node:tty` natively), Bun's own process spawning and stdin. No platform cipher: Bun's node:crypto
 * lacks ChaCha20-Poly1305, so the SecretStore uses @noble/ciphers there.
 */
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { childEnvironment } from "../core/process.ts";
import type { ChildProcess, Runtime, SpawnOptions } from "../core/runtime.ts";
import { nodeCompatibleRuntime } from "./node.ts";

interface BunSubprocess {
  pid: number;
  stdout: ReadableStream<Uint8Array> | number | undefined;
  stderr: ReadableStream<Uint8Array> | number | undefined;
  exited: Promise<number>;
  signalCode: string | null;
  kill(signal?: string): void;
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
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function bunSpawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = Bun.spawn({
    cmd: [command, ...args],
    cwd: options.cwd,
    env: childEnvironment(process.env, options.env),
    stdin: options.stdin ?? "ignore",
    stdout: options.stdout ?? "pipe",
    stderr: options.stderr ?? "pipe",
  });
  const stream = (s: BunSubprocess["stdout"]) => (typeof s === "object" ? s : undefined);
  return {
    pid: child.pid,
    stdout: stream(child.stdout),
    stderr: stream(child.stderr),
    exited: child.exited.then((code) => (child.signalCode ? 128 + (SIGNALS[child.signalCode] ?? 0) : code)),
    kill: (signal = "SIGTERM") => child.kill(signal),
  };
}

/**
 * Writes to a file descriptor synchronously, as Deno does. On Bun the first touch of process.stdout
 * or process.stderr sets up Node's stream layer, which costs more CPU than the whole `secret get`.
 */
function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
}

const tlsOptions = new Map<string, Record<string, unknown>>();

export const bunRuntime: Runtime = {
  ...nodeCompatibleRuntime,
  async trustCertificate(pem) {
    if (!tlsOptions.has(pem)) tlsOptions.set(pem, { tls: { ca: pem } });
    return tlsOptions.get(pem);
  },
  name: "bun",
  stdoutIsTerminal: () => isatty(1),
  writeStdout: (data) => writeAllSync(1, data),
  writeStderr: (data) => writeAllSync(2, data),
  readStdin: () => Bun.stdin.bytes(),
  spawn: bunSpawn,
};
