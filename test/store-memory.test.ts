/**
 * A program that opens SecretStore objects in a loop of awaits, never yielding to the event loop,
 * must not keep the stores it dropped. The old exit hook held a WeakRef per store, and creating or
 * dereferencing a WeakRef keeps its target (the store and its whole index) alive until the job ends:
 * the million-run fuzz ran out of memory that way. What may stay until the job ends is the data key
 * and its subkeys of each (a few KB), which the exit hook zeroes; they go once the event loop turns.
 * Measured after full garbage collections, so the figures do not depend on when the collector runs.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { expect, it } from "vitest";
import { SecretStore } from "../core/store/secret-store.ts";
import { MemoryFileSystem, memoryRuntime } from "./helpers/memory-fs.ts";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;
const heapUsed = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const MB = 1024 * 1024;

it("keeps no SecretStore the program dropped, even within one job, and no key once the event loop turns", async () => {
  const fs = new MemoryFileSystem();
  const runtime = memoryRuntime(fs);
  const first = await SecretStore.open({ runtime, directory: "/store" });
  await first.create({ config: { authentication: "none" } });
  for (let i = 0; i < 300; i++) await first.set(`app/secret-${i}`, `value-${i}`);
  const openAndRead = async (times: number) => {
    for (let i = 0; i < times; i++) {
      const store = await SecretStore.open({ runtime, directory: "/store" });
      expect(await store.get("app/secret-7")).toBe("value-7");
    }
  };
  await openAndRead(200); // warm up: compiled code and caches
  const before = heapUsed();
  await openAndRead(2000);
  // Kept stores would hold their index of 300 names each: about 60 MB for 2 000 of them.
  expect(heapUsed() - before).toBeLessThan(20 * MB);
  for (let turn = 0; turn < 3; turn++) {
    await new Promise((resolve) => setImmediate(resolve)); // the job ends; finalizers run
    collectGarbage();
  }
  expect(heapUsed() - before).toBeLessThan(2 * MB);
}, 120_000);
