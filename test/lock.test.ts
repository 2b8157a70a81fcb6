import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { acquireLock, STALE_AGE_ENV, takeLock, withLock } from "../core/lock.ts";
import { tempHome } from "./helpers/home.ts";
import { DIST, ROOT } from "./helpers/runtimes.ts";

describe("cross-process lock", () => {
  it("serialises holders and removes its file on release, also when the work throws", async () => {
    const path = join(tempHome("lock"), "x.lock");
    const order: string[] = [];
    await Promise.all([1, 2, 3].map((n) =>
      withLock(nodeRuntime, path, async () => {
        order.push(`in${n}`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`out${n}`);
      })
    ));
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(2)).toBe(order[i + 1]!.slice(3));
    await expect(withLock(nodeRuntime, path, () => {
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(existsSync(path)).toBe(false);
  });

  it("times out with LOCK_TIMEOUT while a live process holds it", async () => {
    const path = join(tempHome("lock"), "x.lock");
    const release = await acquireLock(nodeRuntime, path);
    await expect(acquireLock(nodeRuntime, path, { timeoutMs: 150 })).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
    release();
    (await acquireLock(nodeRuntime, path, { timeoutMs: 150 }))();
  });

  it("takes over a lock whose holder was killed with kill -9", async () => {
    const dir = tempHome("lock");
    const path = join(dir, "x.lock");
    const holder = spawn(process.execPath, [
      join(ROOT, "test/scenarios/hold-lock.mjs"),
      join(DIST, "core/lock.js"),
      join(DIST, "adapters/node.js"),
      path,
    ]);
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    expect(existsSync(path)).toBe(true);
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("close", resolve));
    const started = Date.now();
    const release = await acquireLock(nodeRuntime, path, { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("treats a lock older than staleMs as stale even if its pid lives, and a torn lock file as stale", async () => {
    const dir = tempHome("lock");
    const path = join(dir, "x.lock");
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), token: "old", time: Date.now() - 120_000 }));
    (await acquireLock(nodeRuntime, path, { timeoutMs: 1000, staleMs: 60_000 }))();
    writeFileSync(path, "");
    const { utimesSync } = await import("node:fs");
    utimesSync(path, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    (await acquireLock(nodeRuntime, path, { timeoutMs: 1000 }))();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("does not break a lock held by a live process on another host before it is stale", async () => {
    const path = join(tempHome("lock"), "x.lock");
    writeFileSync(path, JSON.stringify({ pid: 1, host: "elsewhere", token: "t", time: Date.now() }));
    await expect(acquireLock(nodeRuntime, path, { timeoutMs: 100 })).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
  });

  it("a holder whose lock was taken over knows it (isHeld), and with keepTakenOverLocks the next holders see a marker", async () => {
    const dir = tempHome("lock");
    const path = join(dir, "x.lock");
    const paused = await takeLock(nodeRuntime, path);
    expect(paused.isHeld()).toBe(true);
    // Another process with a short stale age (the environment variable tests use) takes it over by age.
    const impatient = { ...nodeRuntime, env: (name: string) => (name === STALE_AGE_ENV ? "1" : nodeRuntime.env(name)) };
    await new Promise((resolve) => setTimeout(resolve, 5));
    const taker = await takeLock(impatient, path, { keepTakenOverLocks: true });
    expect(paused.isHeld()).toBe(false);
    expect(taker.isHeld()).toBe(true);
    expect(readdirSync(dir).filter((name) => name.startsWith("x.lock.stale-"))).toHaveLength(1);
    paused.release(); // not its lock any more: leaves the taker's alone
    expect(taker.isHeld()).toBe(true);
    taker.release();
    expect(existsSync(path)).toBe(false);
  });
});
