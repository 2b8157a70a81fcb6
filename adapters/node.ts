/** The Runtime for Node.js. */
import { spawn as spawnChild } from "node:child_process";
import * as os from "node:os";
import { childEnvironment } from "../core/process.ts";
import type { ChildProcess, Runtime, SpawnOptions } from "../core/runtime.ts";
import { nodeFileSystem } from "./node/fs.ts";
import { platformAeadLoader } from "./shared/aead.ts";
import { platformOf } from "./shared/platform.ts";

/** A web stream over a child's output; not `Readable.toWeb`, whose `node:stream` import costs Bun ~30 ms at start. */
function toWebStream(readable: NodeJS.ReadableStream): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      readable.on("data", (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk)));
      readable.once("end", () => controller.close());
      readable.once("error", (error) => controller.error(error));
    },
    cancel() {
      readable.removeAllListeners("data");
    },
  });
}

export function nodeSpawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawnChild(command, args, {
    cwd: options.cwd,
    env: childEnvironment(process.env, options.env),
    stdio: [
      options.stdin === "inherit" ? "inherit" : options.stdin ? "pipe" : "ignore",
      options.stdout ?? "pipe",
      options.stderr ?? "pipe",
    ],
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
  if (options.stdin instanceof Uint8Array && child.stdin) {
    child.stdin.on("error", () => {}); // the child may exit without reading its input
    child.stdin.end(options.stdin);
  }
  return {
    pid: child.pid,
    stdout: child.stdout ? toWebStream(child.stdout) : undefined,
    stderr: child.stderr ? toWebStream(child.stderr) : undefined,
    exited,
    kill: (signal = "SIGTERM") => void child.kill(signal as NodeJS.Signals),
  };
}

/** The Runtime over Node APIs without the platform cipher: shared with Bun, whose node:crypto lacks it. */
export const nodeCompatibleRuntime: Runtime = {
  name: "node",
  platform: platformOf(process.platform),
  fs: nodeFileSystem,
  pid: process.pid,
  uid: typeof process.getuid === "function" ? process.getuid() : undefined,
  env: (name) => process.env[name],
  envObject: () => ({ ...process.env }) as Record<string, string>,
  homeDir: () => os.homedir() || undefined,
  cwd: () => process.cwd(),
  hostname: () => os.hostname(),
  isProcessAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === "EPERM";
    }
  },
  stdinIsTerminal: () => process.stdin.isTTY === true,
  async promptSecret(message) {
    const [{ promptSecret }, { nodeTerminal }] = await Promise.all([import("./shared/terminal.ts"), import("./node/terminal.ts")]);
    return await promptSecret(nodeTerminal, message);
  },
  writeStderr: (data) => void process.stderr.write(data),
  spawn: nodeSpawn,
  onExit(callback) {
    process.once("exit", callback);
  },
};

// Loaded when a store is first opened rather than at start-up, which one-shot commands feel.
const platformAead = platformAeadLoader(() => process.getBuiltinModule("node:crypto"));

type AgentClass = new (options: { connect: { ca: string } }) => unknown;
const UNDICI_GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const agents = new Map<string, Record<string, unknown> | undefined>();

/**
 * Node's fetch is undici, which takes a `dispatcher`; Node does not export undici's Agent class, so
 * it is taken from the global dispatcher Node creates at its first fetch.
 */
async function undiciAgentClass(): Promise<AgentClass | undefined> {
  const slot = globalThis as unknown as Record<symbol, { constructor?: AgentClass } | undefined>;
  if (slot[UNDICI_GLOBAL_DISPATCHER] === undefined) await (await fetch("data:,")).arrayBuffer();
  const agent = slot[UNDICI_GLOBAL_DISPATCHER];
  return agent?.constructor?.name === "Agent" ? agent.constructor : undefined;
}

export const nodeRuntime: Runtime = {
  ...nodeCompatibleRuntime,
  async trustCertificate(pem) {
    if (!agents.has(pem)) {
      const Agent = await undiciAgentClass();
      agents.set(pem, Agent && { dispatcher: new Agent({ connect: { ca: pem } }) });
    }
    return agents.get(pem);
  },
  get chacha20poly1305() {
    return platformAead();
  },
};
