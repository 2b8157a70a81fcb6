/**
 * The unlock agent as a real process: started on first key, reachable from another process on any
 * runtime, gone at timeout or on stop; a socket directory that is not ours or not closed is refused;
 * a stale socket is replaced; the key never shows in the agent's argv or environment.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, type RuntimeName, RUNTIMES, runScript } from "./helpers/runtimes.ts";

const scenario = join(ROOT, "test/helpers/agent-scenario.mjs");
const KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const homes: string[] = [];

function agent(rt: RuntimeName, home: string, ...args: string[]) {
  const result = runScript(rt, scenario, [modulePath(rt, "cli/agent.ts"), modulePath(rt, "adapters/detect.ts"), home, ...args]);
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout);
}

function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.slice(0, 1);
  } catch {
    return "gone";
  }
}

/** One request line to the agent's socket, straight from this process; the answer line parsed. */
function request(socket: string, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = "";
    const connection = createConnection(socket, () => connection.write(`${line}\n`));
    connection.setEncoding("utf8");
    connection.on("data", (chunk: string) => (text += chunk));
    connection.once("error", reject);
    connection.once("close", () => resolve(JSON.parse(text)));
  });
}

function home(label: string): string {
  const dir = tempHome(label);
  homes.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of homes) if (existsSync(join(dir, "agent", "agent.sock"))) agent("bun", dir, "stop");
});

describe("unlock agent", () => {
  it("answers reads from the store whose key it holds, on every runtime, and nothing else", async () => {
    const dir = home("agent-read");
    const directory = join(dir, "store");
    const { SecretStore } = await import("../core/store/secret-store.ts");
    const { nodeRuntime } = await import("../adapters/node.ts");
    const store = await SecretStore.open({ runtime: nodeRuntime, directory, kdf: { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 } });
    await store.create({ password: "pw" });
    await store.set("db", { username: "app", password: "s3cret" });
    const key = Buffer.from(store.exportDataKey()).toString("hex");
    expect(agent("node", dir, "give", store.storeId, key, "60", directory)).toEqual({ ok: true });
    for (const rt of ["deno", "bun", "node"] as const) {
      expect(agent(rt, dir, "read", directory, "DB")).toEqual({ value: { username: "app", password: "s3cret" } });
    }
    await store.set("added-later", "seen"); // another process's write reaches the agent's open store
    expect(agent("bun", dir, "read", directory, "added-later")).toEqual({ value: "seen" });
    expect(agent("bun", dir, "read", directory, "missing")).toEqual({ value: null });
    expect(agent("bun", dir, "read", join(dir, "elsewhere"), "db")).toEqual({ value: null });
    store.lock();
    expect(agent("bun", dir, "stop")).toEqual({ stopped: true });
  });

  it("holds a key given on one runtime for clients on the others, then stops and removes its socket", () => {
    const dir = home("agent");
    expect(agent("node", dir, "give", "store-1", KEY, "60")).toEqual({ ok: true });
    expect(statSync(join(dir, "agent")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "agent", "agent.sock")).mode & 0o777).toBe(0o600);
    for (const rt of ["deno", "bun", "node"] as const) {
      const held = agent(rt, dir, "fetch", "store-1");
      expect(held.key).toBe(KEY);
      expect(held.remaining).toBeGreaterThan(50);
      expect(held.remaining).toBeLessThanOrEqual(60);
    }
    expect(agent("bun", dir, "fetch", "other-store")).toEqual({ key: null });
    // The key reached the agent through a pipe: not in its argv, not in its environment.
    const { pid } = agent("bun", dir, "ping");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    const base64 = Buffer.from(KEY, "hex").toString("base64");
    for (const text of [argv, environ]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(base64);
    }
    expect(argv).toContain("__agent");
    expect(agent("deno", dir, "stop")).toEqual({ stopped: true });
    expect(existsSync(join(dir, "agent", "agent.sock"))).toBe(false);
    expect(agent("bun", dir, "fetch", "store-1")).toEqual({ key: null });
    expect(agent("bun", dir, "stop")).toEqual({ stopped: false });
  });

  it("a second key goes to the running agent; each expires on its own timeout, then the agent exits", async () => {
    const dir = home("agent-timeout");
    const sleepUntil = (time: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
    // Each deadline is bounded by when the give was sent and when its answer came (the agent arms the
    // timer in between), so the checks hold however slowly a loaded machine starts the processes.
    const give = (rt: RuntimeName, name: string, key: string, seconds: number) => {
      const sent = Date.now();
      expect(agent(rt, dir, "give", name, key, String(seconds))).toEqual({ ok: true });
      return { heldFrom: sent + seconds * 1000, goneBy: Date.now() + seconds * 1000 };
    };
    const LONG_KEY = KEY.replace(/0/g, "1");
    const short = give("bun", "short", KEY, 2);
    const { pid } = agent("bun", dir, "ping");
    const long = give("deno", "long", LONG_KEY, 12);
    expect(agent("bun", dir, "ping").pid).toBe(pid);
    await sleepUntil(short.goneBy + 100);
    expect(agent("bun", dir, "fetch", "short")).toEqual({ key: null });
    expect(agent("bun", dir, "fetch", "long").key).toBe(LONG_KEY);
    expect(Date.now()).toBeLessThan(long.heldFrom); // the read above came while the long key was due to be held
    await sleepUntil(long.goneBy + 100);
    const socket = join(dir, "agent", "agent.sock");
    for (let waited = 0; existsSync(socket) && waited < 10_000; waited += 100) await sleepUntil(Date.now() + 100);
    expect(existsSync(socket)).toBe(false);
    expect(processState(pid)).toMatch(/^(gone|Z)$/); // a zombie when this container's init does not reap
  }, 60_000);

  it("holds a key for a timeout longer than one timer can wait (2^31 - 1 ms), instead of dropping it at once", () => {
    const dir = home("agent-long");
    expect(agent("node", dir, "give", "long", KEY, "3000000")).toEqual({ ok: true });
    const held = agent("bun", dir, "fetch", "long"); // an overflowed timer would have fired already
    expect(held.key).toBe(KEY);
    expect(held.remaining).toBeGreaterThan(2_999_000);
    expect(agent("bun", dir, "stop")).toEqual({ stopped: true });
  });

  it("refuses a socket directory with loose permissions", () => {
    const dir = home("agent-loose");
    agent("bun", dir, "give", "s", KEY, "30");
    chmodSync(join(dir, "agent"), 0o755);
    const refused = agent("bun", dir, "fetch", "s");
    expect(refused.error).toBe("PERMISSION_DENIED");
    expect(refused.message).toContain("open to other users");
    expect(agent("node", dir, "give", "s", KEY, "30").error).toBe("PERMISSION_DENIED");
    chmodSync(join(dir, "agent"), 0o700);
    expect(agent("bun", dir, "stop")).toEqual({ stopped: true });
  });

  it("refuses a socket directory owned by another user", () => {
    const dir = home("agent-owner");
    mkdirSync(join(dir, "agent"), { mode: 0o700 });
    chownSync(join(dir, "agent"), 12345, 12345);
    const refused = agent("deno", dir, "give", "s", KEY, "30");
    expect(refused.error).toBe("PERMISSION_DENIED");
    expect(refused.message).toContain("another user");
  });

  it("replaces a stale socket left by a dead agent", () => {
    const dir = home("agent-stale");
    mkdirSync(join(dir, "agent"), { mode: 0o700 });
    const socket = join(dir, "agent", "agent.sock");
    // A socket file whose process is gone: bound, then the process exits without unlinking it.
    const made = spawnSync("python3", ["-c", `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(socket)})`]);
    expect(made.status).toBe(0);
    expect(statSync(socket).isSocket()).toBe(true);
    for (const rt of ["bun", "deno", "node"] as const) expect(agent(rt, dir, "fetch", "s")).toEqual({ key: null });
    expect(agent("node", dir, "give", "s", KEY, "30")).toEqual({ ok: true });
    expect(agent("deno", dir, "fetch", "s").key).toBe(KEY);
    expect(agent("bun", dir, "stop")).toEqual({ stopped: true });
  });

  it("holds nothing for timeout 0 (one operation): no agent starts, and an agent refuses such a key", async () => {
    const dir = home("agent-zero");
    const socket = join(dir, "agent", "agent.sock");
    expect(agent("node", dir, "give", "once", KEY, "0")).toEqual({ ok: true });
    expect(existsSync(socket)).toBe(false);
    const put = (storeId: string, timeout: number) =>
      JSON.stringify({ op: "put", storeId, key: Buffer.from(KEY, "hex").toString("base64"), timeout });
    // An agent whose first key has timeout 0 refuses it and exits, on every runtime.
    mkdirSync(join(dir, "agent"), { mode: 0o700 });
    for (const rt of RUNTIMES) {
      const started = runScript(rt, modulePath(rt, "cli/main.ts"), ["__agent", socket], { input: `${put("once", 0)}\n` });
      expect(started.stdout).toBe("error: no key\n");
      expect(started.status).toBe(1);
      expect(existsSync(socket)).toBe(false);
    }
    // A running agent refuses it too, and keeps the key it holds.
    expect(agent("bun", dir, "give", "kept", KEY, "60")).toEqual({ ok: true });
    expect(await request(socket, put("kept", 0))).toEqual({ ok: false });
    expect(await request(socket, put("other", 0))).toEqual({ ok: false });
    expect(agent("deno", dir, "fetch", "kept").key).toBe(KEY);
    expect(agent("node", dir, "fetch", "other")).toEqual({ key: null });
    expect(agent("bun", dir, "stop")).toEqual({ stopped: true });
  });
});
