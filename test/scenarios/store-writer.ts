/**
 * A child process for test/store.test.ts: unlocks the store at $STORE_DIR with $STORE_PASSWORD,
 * checks it reads what the parent wrote, and writes a secret named after its runtime.
 */
import { detectRuntime, SecretStore } from "../../mod.ts";

const runtime = await detectRuntime();
const store = await SecretStore.open({ runtime, directory: runtime.env("STORE_DIR")! });
await store.unlock(runtime.env("STORE_PASSWORD")!);
if ((await store.get("from-node")) !== "n") throw new Error("the child could not read the parent's secret");
await store.set(runtime.name, { runtime: runtime.name });
