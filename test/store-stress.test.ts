/**
 * SecretStore under several processes at once, on Node (the built package), Deno and Bun: a burst
 * of concurrent writers, writers killed with SIGKILL mid-append, and a lock holder killed with
 * SIGKILL. Stores use authentication "none", so the children spend their time on the log and the
 * lock, not on Argon2.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { readU32 } from "../core/crypto/bytes.ts";
import type { Runtime } from "../core/runtime.ts";
import { FRAME_HEADER_LENGTH, LOG_PREFIX_LENGTH } from "../core/store/format.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, runScript, runtimeCommand, type RuntimeName } from "./helpers/runtimes.ts";

const scenario = (name: string) => join(ROOT, "test", "scenarios", name);

async function newStore(): Promise<string> {
  const directory = join(tempHome("store-stress"), "secretstore");
  const store = await SecretStore.open({ runtime: nodeRuntime, directory });
  await store.create({ config: { authentication: "none" } });
  return directory;
}

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Resolves when stdout contains `text`. */
  waitFor: (text: string) => Promise<void>;
}

function start(runtime: RuntimeName, script: string, args: string[]): Child {
  const [command, argv] = runtimeCommand(runtime, script, args);
  const child = spawn(command, argv, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter((w) => stdout.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on("close", (code, signal) => resolve(code ?? signal ?? "?")));
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then((status) => reject(new Error(`${runtime} exited (${status}) before "${text}":\n${stderr}`)));
      }),
  };
}

/** The node runtime with stderr captured, to see the store's torn-tail warning. */
function capturingRuntime(): Runtime & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...nodeRuntime, warnings, writeStderr: (data: string | Uint8Array) => void warnings.push(String(data)) };
}

/** Whether the log ends inside a frame (bytes of a record whose write did not finish). */
function hasTornTail(log: Uint8Array): boolean {
  let at = LOG_PREFIX_LENGTH;
  while (at + FRAME_HEADER_LENGTH <= log.length) at += FRAME_HEADER_LENGTH + readU32(log, at);
  return at !== log.length;
}

const bigOrSmall = (name: string, i: number) => `${name}:`.padEnd(i % 4 === 3 ? 2 * 1024 * 1024 : 200, "x");

describe("SecretStore stress", () => {
  it("catching up with another writer's records is not mistaken for a torn tail", async () => {
    const directory = await newStore();
    const runtimeA = capturingRuntime();
    const runtimeB = capturingRuntime();
    const a = await SecretStore.open({ runtime: runtimeA, directory });
    const b = await SecretStore.open({ runtime: runtimeB, directory });
    await b.set("first", "1");
    for (let i = 0; i < 5; i++) {
      await a.set(`a${i}`, "from a");
      await b.set(`b${i}`, "from b");
    }
    expect(await a.get("b4")).toBe("from b");
    expect(await b.get("a4")).toBe("from a");
    expect([...runtimeA.warnings, ...runtimeB.warnings]).toEqual([]);
  });

  it("many store objects in one process share one exit hook (none is kept alive by it)", async () => {
    const directory = await newStore();
    const before = process.listenerCount("exit");
    for (let i = 0; i < 20; i++) {
      const store = await SecretStore.open({ runtime: nodeRuntime, directory });
      await store.set(`n${i}`, "v");
    }
    expect(process.listenerCount("exit") - before).toBeLessThanOrEqual(1);
  });

  it("8 processes (node, deno, bun) writing 200 secrets each at once: all 1 600 are there, read by a fresh process", async () => {
    const directory = await newStore();
    const runtimes: RuntimeName[] = ["node", "deno", "bun", "node", "deno", "bun", "node", "deno"];
    const writers = runtimes.map((runtime, id) =>
      start(runtime, scenario("store-burst.mjs"), [modulePath(runtime), directory, String(id), "200"])
    );
    await Promise.all(writers.map((w) => w.waitFor("ready")));
    for (const w of writers) w.process.stdin!.write("go\n");
    const statuses = await Promise.all(writers.map((w) => w.exited));
    for (const [id, w] of writers.entries()) {
      expect({ id, runtime: runtimes[id], status: statuses[id], stderr: w.stderr() }).toEqual({ id, runtime: runtimes[id], status: 0, stderr: "" });
      expect(w.stdout()).toContain("done");
    }

    const read = runScript("bun", scenario("store-read.mjs"), [modulePath("bun"), directory]);
    expect(read.stderr).toBe("");
    expect(read.status).toBe(0);
    const all = JSON.parse(read.stdout) as Record<string, { value: string; metadata: { writer: string; i: number } }>;
    expect(Object.keys(all)).toHaveLength(1600);
    for (const [id, runtime] of runtimes.entries()) {
      for (let i = 0; i < 200; i++) {
        expect(all[`w${id}/s${i}`]).toEqual({ value: `value-${id}-${i}-${runtime}`, metadata: { writer: String(id), i } });
      }
    }
  }, 90_000);

  it("writers killed with SIGKILL mid-append: the store reopens with every acknowledged write, and takes further writes", async () => {
    const directory = await newStore();
    const log = join(directory, FILE_NAMES.log);
    const acknowledged: string[] = [];
    let tornTails = 0;
    const rounds: RuntimeName[] = ["deno", "bun", "node", "deno", "bun", "node"];
    for (const [round, runtime] of rounds.entries()) {
      const writer = start(runtime, scenario("store-append-loop.mjs"), [modulePath(runtime), directory, String(round)]);
      await writer.waitFor(`r${round}/s2\n`);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 300));
      writer.process.kill("SIGKILL");
      expect(await writer.exited).toBe("SIGKILL");
      expect(writer.stderr()).toBe("");
      // Only whole lines: a name printed halfway was acknowledged all the same, but is not counted.
      const lines = writer.stdout().split("\n").slice(0, -1);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      acknowledged.push(...lines);
      if (hasTornTail(readFileSync(log))) tornTails++;

      const runtimeAfter = capturingRuntime();
      const store = await SecretStore.open({ runtime: runtimeAfter, directory });
      for (const name of acknowledged) {
        const i = Number(name.split("/s")[1]);
        expect(await store.get(name), name).toBe(bigOrSmall(name, i));
      }
      await store.set(`after-${round}`, "still writable");
      expect(await store.get(`after-${round}`)).toBe("still writable");
      expect(hasTornTail(readFileSync(log))).toBe(false);
      expect(runtimeAfter.warnings.every((w) => w.includes("dropping"))).toBe(true);
      store.lock();
    }
    // A fresh process sees the same store.
    const read = runScript("deno", scenario("store-read.mjs"), [modulePath("deno"), directory, "--digest"]);
    expect(read.stderr).toBe("");
    expect(read.status).toBe(0);
    const all = JSON.parse(read.stdout) as Record<string, { value: string }>;
    for (const name of acknowledged) expect(name in all, name).toBe(true);
    // Besides the acknowledged writes, only a write that finished just before its writer was killed
    // (at most one per round) and the writes made after each round; every value is the one written.
    const written = Object.keys(all).filter((name) => name.startsWith("r"));
    expect(written.length - acknowledged.length).toBeLessThanOrEqual(rounds.length);
    expect(Object.keys(all).filter((name) => name.startsWith("after-"))).toHaveLength(rounds.length);
    for (const name of written) {
      const expected = createHash("sha256").update(bigOrSmall(name, Number(name.split("/s")[1]))).digest("hex");
      expect(all[name]?.value, name).toBe(expected);
    }
    console.info(`SIGKILL rounds: ${rounds.length}, acknowledged writes: ${acknowledged.length}, torn tails seen: ${tornTails}`);
  }, 90_000);

  it("a lock holder killed with SIGKILL does not block the next writer (each runtime breaks the stale lock)", async () => {
    const directory = await newStore();
    const lockFile = join(directory, FILE_NAMES.lock);
    const pairs: [RuntimeName, RuntimeName][] = [["node", "deno"], ["deno", "bun"], ["bun", "node"]];
    for (const [holderRuntime, writerRuntime] of pairs) {
      const holder = start(holderRuntime, scenario("store-hold-lock.mjs"), [
        modulePath(holderRuntime, "core/lock.ts"),
        modulePath(holderRuntime),
        directory,
      ]);
      await holder.waitFor("locked");
      expect(JSON.parse(readFileSync(lockFile, "utf8")).pid).toBe(holder.process.pid);

      const writer = start(writerRuntime, scenario("store-burst.mjs"), [modulePath(writerRuntime), directory, holderRuntime, "1"]);
      await writer.waitFor("ready");
      writer.process.stdin!.write("go\n");
      // While the holder lives the writer waits (the lock really excludes)...
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(writer.stdout()).not.toContain("done");
      // ...and once it is killed the writer breaks the stale lock and finishes.
      holder.process.kill("SIGKILL");
      expect(await holder.exited).toBe("SIGKILL");
      expect(await writer.exited).toBe(0);
      expect(writer.stderr()).toBe("");
      expect(writer.stdout()).toContain("done");
      expect(existsSync(lockFile)).toBe(false);
    }
    expect(readdirSync(directory).sort()).toEqual([FILE_NAMES.header, FILE_NAMES.key, FILE_NAMES.log].sort());
    const store = await SecretStore.open({ runtime: nodeRuntime, directory });
    for (const [holderRuntime, writerRuntime] of pairs) {
      expect(await store.get(`w${holderRuntime}/s0`)).toBe(`value-${holderRuntime}-0-${writerRuntime}`);
    }
    expect(statSync(join(directory, FILE_NAMES.log)).mode & 0o777).toBe(0o600);
  }, 60_000);
});
