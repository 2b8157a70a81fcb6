/**
 * The Runtime for Bun: Node's file system and terminal handling (Bun implements `node:fs` and
 * `node:tty` natively), Bun's own process spawning. No platform cipher: Bun's node:crypto lacks
 * ChaCha20-Poly1305, so the SecretStore uses @noble/ciphers there.
 */
import { childEnvironment } from "../core/process.ts";
import type { ChildProcess, Runtime, SpawnOptions } from "../core/runtime.ts";
import { Bun, type BunSubprocess, writeAllSync } from "./bun/api.ts";
import { nodeCompatibleRuntime } from "./node.ts";
import { exitCodeForSignal } from "./shared/platform.ts";

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
    exited: child.exited.then((code) => (child.signalCode ? exitCodeForSignal(child.signalCode) : code)),
    kill: (signal = "SIGTERM") => child.kill(signal),
  };
}

const tlsOptions = new Map<string, Record<string, unknown>>();

export const bunRuntime: Runtime = {
  ...nodeCompatibleRuntime,
  async trustCertificate(pem) {
    if (!tlsOptions.has(pem)) tlsOptions.set(pem, { tls: { ca: pem } });
    return tlsOptions.get(pem);
  },
  name: "bun",
  writeStderr: (data) => writeAllSync(2, data),
  spawn: bunSpawn,
};
