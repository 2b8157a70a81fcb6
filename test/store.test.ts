/**
 * SecretStore engine: keys, config, timeouts, concurrency within a process, tampering and torn
 * writes. Stores use the cheapest KDF parameters the bounds allow (m = 19 MiB, t = 2).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import { FILE_NAMES, SecretStore, type StoreConfig, __TESTS } from "../core/store/secret-store.ts";
import type { Runtime } from "../core/runtime.ts";
import { tempHome } from "./helpers/home.ts";

const PASSWORD = "correct horse battery staple";

/** A runtime whose stderr is captured, to assert the torn-tail warning. */
function quietRuntime(): Runtime & { warnings: string[] } {
  const warnings: string[] = [];
  return Object.assign(Object.create(nodeRuntime) as Runtime, {
    warnings,
    writeStderr: (data: string | Uint8Array) => void warnings.push(String(data)),
  });
}

async function newStore(
  options: { password?: string; config?: Partial<StoreConfig>; directory?: string; runtime?: Runtime } = {},
) {
  const directory = options.directory ?? join(tempHome("store"), "secretstore");
  const store = await SecretStore.open({ runtime: options.runtime ?? nodeRuntime, directory, kdf: { ...MIN_KDF } });
  await store.create({ password: options.password ?? PASSWORD, config: options.config });
  return { store, directory, log: join(directory, FILE_NAMES.log), header: join(directory, FILE_NAMES.header) };
}

async function reopen(directory: string, runtime: Runtime = nodeRuntime) {
  return await SecretStore.open({ runtime, directory, kdf: { ...MIN_KDF } });
}

describe("SecretStore basics", () => {
  it("creates 0700/0600 files, round-trips every type with metadata, and reopens with the password", async () => {
    const { store, directory, log, header } = await newStore();
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(header).mode & 0o777).toBe(0o600);
    await store.set("Db", "s3cret", { env: "prod", n: 3, on: true, at: new Date(0) });
    await store.set("bytes", Uint8Array.from([0, 1, 255]));
    await store.set("cred", { username: "u", password: "p" });
    await store.set("map", { a: "x", b: Uint8Array.from([9]), c: { username: "u", password: "p" } });
    const other = await reopen(directory);
    expect(other.isLocked()).toBe(true);
    await expect(other.get("db")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    await other.unlock(PASSWORD);
    expect(await other.get("DB")).toBe("s3cret");
    expect(await other.get("bytes")).toEqual(Uint8Array.from([0, 1, 255]));
    expect(await other.get("map")).toEqual({ a: "x", b: Uint8Array.from([9]), c: { username: "u", password: "p" } });
    const [info] = await other.list("d*");
    expect(info).toEqual({ name: "Db", type: "string", metadata: { env: "prod", n: 3, on: true, at: new Date(0) } });
    expect(readFileSync(log).includes(Buffer.from("s3cret"))).toBe(false);
    expect(readFileSync(log).includes(Buffer.from("Db"))).toBe(false);
  });
});
