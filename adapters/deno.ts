/** The Runtime for Deno, over `Deno.*` file, terminal and process APIs. */
import { childEnvironment } from "../core/process.ts";
import type { ChildProcess, Runtime, SpawnOptions } from "../core/runtime.ts";
import { type CipherModule, platformAeadLoader } from "./shared/aead.ts";
import { isNotFound } from "./shared/files.ts";
import { exitCodeForSignal, platformOf } from "./shared/platform.ts";
import { Deno, writeAllSync } from "./deno/api.ts";
import { denoFileSystem } from "./deno/fs.ts";

/** Deno's `process`, reached only when needed: touching it starts Deno's Node compatibility layer (~35 ms). */
interface NodeProcess {
  getBuiltinModule(name: "node:crypto"): CipherModule;
  kill(pid: number, signal: number): void;
}
const nodeProcess = () => (globalThis as unknown as { process: NodeProcess }).process;

function isFound(probe: () => unknown): boolean {
  try {
    probe();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function denoSpawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    clearEnv: true,
    env: childEnvironment(Deno.env.toObject(), options.env),
    stdin: options.stdin === "inherit" ? "inherit" : options.stdin ? "piped" : "null",
    stdout: options.stdout === "inherit" ? "inherit" : "piped",
    stderr: options.stderr === "inherit" ? "inherit" : "piped",
  }).spawn();
  if (options.stdin instanceof Uint8Array) {
    const writer = child.stdin.getWriter();
    writer.write(options.stdin).then(() => writer.close()).catch(() => {});
  }
  return {
    pid: child.pid,
    stdout: options.stdout === "inherit" ? undefined : child.stdout,
    stderr: options.stderr === "inherit" ? undefined : child.stderr,
    exited: child.status.then((status) => (status.signal ? exitCodeForSignal(status.signal) : status.code)),
    kill: (signal = "SIGTERM") => child.kill(signal),
  };
}

const httpClients = new Map<string, Record<string, unknown>>();
const platformAead = platformAeadLoader(() => nodeProcess().getBuiltinModule("node:crypto"));

export const denoRuntime: Runtime = {
  name: "deno",
  platform: platformOf(Deno.build.os),
  fs: denoFileSystem,
  async trustCertificate(pem) {
    if (!httpClients.has(pem)) httpClients.set(pem, { client: Deno.createHttpClient({ caCerts: [pem] }) });
    return httpClients.get(pem);
  },
  get chacha20poly1305() {
    return platformAead();
  },
  pid: Deno.pid,
  uid: Deno.uid() ?? undefined,
  env: (name) => Deno.env.get(name),
  envObject: () => Deno.env.toObject(),
  homeDir: () => Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE"),
  cwd: () => Deno.cwd(),
  hostname: () => Deno.hostname(),
  isProcessAlive(pid) {
    if (Deno.build.os === "linux") return isFound(() => Deno.statSync(`/proc/${pid}`));
    // Deno.kill has no signal 0; Node's process.kill does.
    try {
      nodeProcess().kill(pid, 0);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === "EPERM";
    }
  },
  stdinIsTerminal: () => Deno.stdin.isTerminal(),
  async promptSecret(message) {
    const [{ promptSecret }, { denoTerminal }] = await Promise.all([
      import("./shared/terminal.ts"),
      import("./deno/terminal.ts"),
    ]);
    return await promptSecret(denoTerminal, message);
  },
  writeStderr: (data) => writeAllSync(Deno.stderr, data),
  spawn: denoSpawn,
  onExit(callback) {
    globalThis.addEventListener("unload", callback);
  },
};
