/**
 * The unlock agent process (`secret __agent <socket>`, started by cli/agent.ts). It holds data keys
 * by store id, each until its timeout; it zeroes them and exits when the last one expires, on a
 * `lock` request, or on SIGTERM/SIGINT/SIGHUP.
 */
import { createServer, type Socket } from "node:net";
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { dirname } from "../core/paths.ts";
import { type AgentRequest, type AgentResponse, checkAgentDir } from "./agent.ts";
import type { Context } from "./context.ts";

interface Entry {
  key: Uint8Array;
  /** Epoch ms, or undefined to hold the key until locked. */
  expires: number | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export async function serve(context: Context): Promise<number> {
  const socketPath = context.arg("socket")!;
  const runtime = context.runtime;
  checkAgentDir(runtime, dirname(socketPath), false);
  const entries = new Map<string, Entry>();

  const shutdown = () => {
    for (const entry of entries.values()) {
      entry.key.fill(0);
      if (entry.timer) clearTimeout(entry.timer);
    }
    entries.clear();
    server.close();
    runtime.fs!.remove(socketPath);
    process.exit(0);
  };

  const drop = (storeId: string) => {
    const entry = entries.get(storeId);
    if (!entry) return;
    entry.key.fill(0);
    if (entry.timer) clearTimeout(entry.timer);
    entries.delete(storeId);
    if (entries.size === 0) shutdown();
  };

  const put = (request: AgentRequest): AgentResponse => {
    if (typeof request.storeId !== "string" || typeof request.key !== "string") return { ok: false };
    const timeout = typeof request.timeout === "number" ? request.timeout : 900;
    const previous = entries.get(request.storeId);
    if (previous) {
      previous.key.fill(0);
      if (previous.timer) clearTimeout(previous.timer);
    }
    const entry: Entry = {
      key: base64ToBytes(request.key),
      expires: timeout > 0 ? Date.now() + timeout * 1000 : undefined,
      timer: undefined,
    };
    if (timeout > 0) entry.timer = setTimeout(() => drop(request.storeId!), timeout * 1000);
    entries.set(request.storeId, entry);
    return { ok: true };
  };

  const answer = (request: AgentRequest): AgentResponse => {
    switch (request.op) {
      case "ping":
        return { ok: true, pid: process.pid };
      case "put":
        return put(request);
      case "get": {
        const entry = request.storeId === undefined ? undefined : entries.get(request.storeId);
        if (!entry) return { ok: false };
        const remaining = entry.expires === undefined ? -1 : Math.max(1, Math.ceil((entry.expires - Date.now()) / 1000));
        return { ok: true, key: bytesToBase64(entry.key), remaining };
      }
      case "lock":
        setTimeout(shutdown, 0); // after the answer is written
        return { ok: true };
      default:
        return { ok: false };
    }
  };

  const first = JSON.parse(new TextDecoder().decode(await runtime.readStdin())) as AgentRequest;
  if (!put(first).ok) {
    runtime.writeStdout("error: no key\n");
    return 1;
  }

  const server = createServer((connection: Socket) => {
    let data = "";
    connection.setEncoding("utf8");
    connection.on("error", () => {});
    connection.on("data", (chunk: string) => {
      data += chunk;
      const newline = data.indexOf("\n");
      if (newline < 0) {
        if (data.length > 64 * 1024) connection.destroy();
        return;
      }
      let response: AgentResponse;
      try {
        response = answer(JSON.parse(data.slice(0, newline)) as AgentRequest);
      } catch {
        response = { ok: false };
      }
      connection.end(`${JSON.stringify(response)}\n`);
    });
  });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, shutdown);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  runtime.fs!.chmod(socketPath, 0o600);
  runtime.writeStdout("ready\n");
  await new Promise(() => {}); // serve until shutdown() exits the process
  return 0;
}
