/**
 * The client side of the unlock agent: a per-user process that holds SecretStore data keys in memory
 * for the password timeout, so each `secret` command does not pay the KDF and a prompt.
 *
 * The agent listens on `<home>/agent/agent.sock`. Access control is the directory: it must belong
 * to this user and allow no one else (0700), else it is refused; the socket itself is 0600. The first
 * key reaches a new agent through its stdin pipe (never argv or environment); later keys and
 * requests go over the socket as one JSON line each way.
 */
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { SecretManagementError } from "../core/errors.ts";
import { absolutePath, joinPath } from "../core/paths.ts";
import { childEnvironment } from "../core/process.ts";
import type { Runtime } from "../core/runtime.ts";
import type { JsonValue, SecretType, SecretValue } from "../core/types.ts";
import { cliHost } from "./host.ts";

export interface HeldKey {
  key: Uint8Array;
  /** Seconds the key stays valid (-1: until locked). */
  remaining: number;
}

export interface AgentRequest {
  op: "get" | "put" | "read" | "lock" | "ping";
  storeId?: string;
  key?: string;
  /** Seconds a `put` key is held: -1 until locked; 0 (one operation) holds nothing; absent, the stores' default. */
  timeout?: number;
  /** The store's directory: given with `put`, asked for by `read`. */
  directory?: string;
  /** The secret a `read` asks for. */
  name?: string;
}

export interface AgentResponse {
  ok: boolean;
  key?: string;
  remaining?: number;
  pid?: number;
  /** A `read`'s secret in its typed JSON form; absent when the store has no such secret. */
  value?: { type: SecretType; value: JsonValue };
}

/** Unix sockets have a short path limit (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

export function agentPaths(runtime: Runtime, home: string): { dir: string; socket: string } {
  const dir = joinPath(runtime, home, "agent");
  return { dir, socket: joinPath(runtime, dir, "agent.sock") };
}

/**
 * Makes sure the agent directory is ours and closed to others; creates it 0700 when `create`.
 * Returns false when it does not exist (and was not created).
 */
export function checkAgentDir(runtime: Runtime, dir: string, create: boolean): boolean {
  const fs = runtime.fs!;
  let info = fs.stat(dir);
  if (info === undefined) {
    if (!create) return false;
    fs.mkdir(dir, 0o700);
    info = fs.stat(dir)!;
  }
  if (!info.isDirectory) {
    throw new SecretManagementError("PERMISSION_DENIED", `the unlock agent path ${dir} is not a directory; refusing it`);
  }
  if (runtime.uid !== undefined && info.uid !== undefined && info.uid !== runtime.uid) {
    throw new SecretManagementError(
      "PERMISSION_DENIED",
      `the unlock agent directory ${dir} belongs to another user (uid ${info.uid}); refusing it`,
    );
  }
  if ((info.mode & 0o077) !== 0) {
    throw new SecretManagementError(
      "PERMISSION_DENIED",
      `the unlock agent directory ${dir} is open to other users (mode ${info.mode.toString(8)}); refusing it: chmod 700 it`,
    );
  }
  return true;
}

/** Sends one request; undefined when no agent answers (no socket, or a stale one). */
export async function ask(socket: string, request: AgentRequest, timeoutMs = 2000): Promise<AgentResponse | undefined> {
  const answer = await (await cliHost()).requestLine(socket, `${JSON.stringify(request)}\n`, timeoutMs);
  if (answer === undefined) return undefined;
  try {
    return JSON.parse(answer) as AgentResponse;
  } catch {
    throw new SecretManagementError("VAULT_UNAVAILABLE", "the unlock agent sent a malformed answer");
  }
}

/** The data key of a store if the agent holds it. Cheap when no agent runs: one stat. */
export async function fetchKey(runtime: Runtime, home: string, storeId: string): Promise<HeldKey | undefined> {
  const { dir, socket } = agentPaths(runtime, home);
  if (runtime.fs!.stat(socket) === undefined) return undefined;
  checkAgentDir(runtime, dir, false);
  const response = await ask(socket, { op: "get", storeId });
  if (!response?.ok || response.key === undefined) return undefined;
  return { key: base64ToBytes(response.key), remaining: response.remaining ?? -1 };
}

/**
 * A secret read by the agent from the store in `directory`, so this process loads neither the store
 * engine nor its log; undefined when no agent holds that store's key or it has no such secret (the
 * caller then takes the ordinary path, which reports why).
 */
export async function readThroughAgent(
  runtime: Runtime,
  home: string,
  directory: string,
  name: string,
): Promise<SecretValue | undefined> {
  const { dir, socket } = agentPaths(runtime, home);
  if (runtime.fs!.stat(socket) === undefined) return undefined;
  checkAgentDir(runtime, dir, false);
  const request: AgentRequest = { op: "read", directory: absolutePath(runtime, directory), name };
  const response = await ask(socket, request).catch(() => undefined);
  if (!response?.ok || response.value === undefined) return undefined;
  const { secretFromJson } = await import("../core/envelope.ts");
  return secretFromJson(response.value.type, response.value.value);
}

/** Gives a data key to the agent, starting one (and replacing a stale socket) when none answers. */
export async function giveKey(
  runtime: Runtime,
  home: string,
  entry: { storeId: string; directory: string; key: Uint8Array; timeout: number },
): Promise<void> {
  if (entry.timeout === 0) return; // one operation: nothing to hold
  // The agent runs in "/", and outlives this command's directory: it gets absolute paths.
  const { dir, socket } = agentPaths(runtime, absolutePath(runtime, home));
  if (socket.length > MAX_SOCKET_PATH) {
    throw new SecretManagementError("UNSUPPORTED", `the agent socket path is too long for a Unix socket: ${socket}`);
  }
  checkAgentDir(runtime, dir, true);
  const request: AgentRequest = {
    op: "put",
    storeId: entry.storeId,
    directory: entry.directory && absolutePath(runtime, entry.directory),
    key: bytesToBase64(entry.key),
    timeout: entry.timeout,
  };
  if ((await ask(socket, request))?.ok) return;
  runtime.fs!.remove(socket); // stale: its agent is gone
  await startAgent(runtime, socket, request);
}

/** Tells the agent to zero its keys and exit; false when none was running. */
export async function stopAgent(runtime: Runtime, home: string): Promise<boolean> {
  const { dir, socket } = agentPaths(runtime, home);
  if (runtime.fs!.stat(socket) === undefined) return false;
  checkAgentDir(runtime, dir, false);
  const answered = (await ask(socket, { op: "lock" }))?.ok === true;
  if (!answered) {
    runtime.fs!.remove(socket);
    return false;
  }
  // The agent answers, then zeroes its keys and removes its socket: wait for that, so that once
  // `store lock` returns no key is held any more (up to a second; a busy machine can be slow).
  for (let waited = 0; waited < 1000 && runtime.fs!.stat(socket) !== undefined; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * How to run this CLI again on the runtime running it now (the agent, the completion script's
 * call-back): its entry module is main.ts next to this file (main.js once built and bundled).
 */
export async function selfCommand(): Promise<string[]> {
  const main = new URL(import.meta.url.endsWith(".ts") ? "./main.ts" : "./main.js", import.meta.url);
  return await (await cliHost()).selfCommand(main.href);
}

async function startAgent(runtime: Runtime, socket: string, first: AgentRequest): Promise<void> {
  const host = await cliHost();
  const started = await host.startDetached([...(await selfCommand()), "__agent", socket], {
    input: `${JSON.stringify(first)}\n`,
    // It gets the key on stdin: no password may sit in its environment.
    env: childEnvironment(runtime.envObject()),
    cwd: "/",
    timeoutMs: 10_000,
  });
  if ("line" in started && started.line.startsWith("ready")) return;
  const why = "line" in started
    ? `the unlock agent failed: ${started.line.trim()}`
    : started.failure === "timeout"
    ? "the unlock agent did not start in time"
    : started.failure === "spawn"
    ? `cannot start the unlock agent: ${started.message}`
    : `the unlock agent exited with code ${started.code}`;
  throw new SecretManagementError("VAULT_UNAVAILABLE", why);
}
