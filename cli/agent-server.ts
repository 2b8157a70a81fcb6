/**
 * The unlock agent process (`secret __agent <socket>`, started by cli/agent.ts). It holds data keys
 * by store id, each until its timeout (seconds; -1 until locked; 0, one operation, holds nothing and
 * is refused); it zeroes them and exits when the last one expires, on a `lock` request, or on
 * SIGTERM/SIGINT/SIGHUP. It also answers `read` for a store it holds the key of, from a store it
 * keeps open, so that `secret get` need not load the store engine each time: the socket guards
 * values exactly as it already guards the key that decrypts them.
 */
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { secretToJson } from "../core/envelope.ts";
import { dirname } from "../core/paths.ts";
import { DEFAULT_CONFIG } from "../core/store/format.ts";
import type { SecretStore } from "../core/store/secret-store.ts";
import { type AgentRequest, type AgentResponse, checkAgentDir } from "./agent.ts";
import type { CommandContext } from "./context.ts";
import type { LineServer } from "./host.ts";

const MAX_TIMER_MS = 0x7fffffff;

interface Entry {
  key: Uint8Array;
  /** Epoch ms, or undefined to hold the key until locked. */
  expires: number | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  directory: string | undefined;
  /** Opened on the first `read`, locked when the key goes. */
  store: Promise<SecretStore> | undefined;
}

export async function serve(context: CommandContext<"__agent">): Promise<number> {
  const socketPath = context.args.socket;
  const { runtime, host } = context;
  checkAgentDir(runtime, dirname(socketPath), false);
  const entries = new Map<string, Entry>();
  let server: LineServer | undefined;

  const forget = (entry: Entry) => {
    entry.key.fill(0);
    if (entry.timer) clearTimeout(entry.timer);
    entry.store?.then((store) => store.lock(), () => {});
  };

  const shutdown = () => {
    for (const entry of entries.values()) forget(entry);
    entries.clear();
    server?.close();
    runtime.fs!.remove(socketPath);
    host.exit(0);
  };

  const drop = (storeId: string) => {
    const entry = entries.get(storeId);
    if (!entry) return;
    forget(entry);
    entries.delete(storeId);
    if (entries.size === 0) shutdown();
  };

  /** Drops the key when it expires; one timer holds at most 2^31 - 1 ms (longer fires at once), so chain them. */
  const expireLater = (storeId: string, entry: Entry) => {
    const left = entry.expires! - Date.now();
    if (left <= 0) return drop(storeId);
    entry.timer = setTimeout(() => expireLater(storeId, entry), Math.min(left, MAX_TIMER_MS));
  };

  const put = (request: AgentRequest): AgentResponse => {
    if (typeof request.storeId !== "string" || typeof request.key !== "string") return { ok: false };
    // A client that names no timeout gets the stores' default; 0 (one operation) leaves nothing to hold.
    const timeout = request.timeout ?? DEFAULT_CONFIG.passwordTimeout;
    if (!Number.isFinite(timeout) || timeout === 0) return { ok: false };
    const previous = entries.get(request.storeId);
    if (previous) forget(previous);
    const entry: Entry = {
      key: base64ToBytes(request.key),
      expires: timeout > 0 ? Date.now() + timeout * 1000 : undefined,
      timer: undefined,
      directory: typeof request.directory === "string" ? request.directory : undefined,
      store: undefined,
    };
    entries.set(request.storeId, entry);
    if (timeout > 0) expireLater(request.storeId, entry);
    return { ok: true };
  };

  const openStore = async (storeId: string, entry: Entry): Promise<SecretStore> => {
    const { SecretStore } = await import("../core/store/secret-store.ts");
    const store = await SecretStore.open({ runtime, directory: entry.directory! });
    if (store.storeId !== storeId) throw new Error("the directory now holds another store");
    const key = entry.key.slice();
    try {
      store.unlockWithDataKey(key, { timeout: -1 }); // the agent's own timer decides how long
    } finally {
      key.fill(0);
    }
    return store;
  };

  const read = async (request: AgentRequest): Promise<AgentResponse> => {
    const found = [...entries].find(([, entry]) => entry.directory !== undefined && entry.directory === request.directory);
    if (!found || typeof request.name !== "string") return { ok: false };
    const [storeId, entry] = found;
    entry.store ??= openStore(storeId, entry);
    try {
      const value = await (await entry.store).get(request.name);
      return value === undefined ? { ok: true } : { ok: true, value: secretToJson(value) };
    } catch {
      entry.store = undefined; // reset or locked elsewhere, or damaged: the client takes the ordinary path
      return { ok: false };
    }
  };

  const answer = async (request: AgentRequest): Promise<AgentResponse> => {
    switch (request.op) {
      case "ping":
        return { ok: true, pid: runtime.pid };
      case "put":
        return put(request);
      case "get": {
        const entry = request.storeId === undefined ? undefined : entries.get(request.storeId);
        if (!entry) return { ok: false };
        const remaining = entry.expires === undefined ? -1 : Math.max(1, Math.ceil((entry.expires - Date.now()) / 1000));
        return { ok: true, key: bytesToBase64(entry.key), remaining };
      }
      case "read":
        return await read(request);
      case "lock":
        setTimeout(shutdown, 0); // after the answer is written
        return { ok: true };
      default:
        return { ok: false };
    }
  };

  const first = JSON.parse(new TextDecoder().decode(await host.readStdin())) as AgentRequest;
  if (!put(first).ok) {
    host.writeStdout("error: no key\n");
    return 1;
  }

  const answerLine = async (line: string): Promise<string> => {
    const response = await (async () => answer(JSON.parse(line) as AgentRequest))()
      .catch((): AgentResponse => ({ ok: false }));
    return JSON.stringify(response);
  };
  host.onSignals(["SIGTERM", "SIGINT", "SIGHUP"], shutdown);
  server = await host.serveLines(socketPath, answerLine);
  runtime.fs!.chmod(socketPath, 0o600);
  host.writeStdout("ready\n");
  return await new Promise<never>(() => {}); // serve until shutdown() exits the process
}
