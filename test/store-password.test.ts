/**
 * SecretStore password changes: `changePassword(…, { rotateKey: true })` re-encrypts every record under
 * a new data key, crash-safely; a password change never re-signs a tampered header; password timeouts
 * are bounded by what the unlock agent's timer can hold.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import { SecretManagementError } from "../core/errors.ts";
import type { FileSystem, Runtime } from "../core/runtime.ts";
import { FILE_NAMES, MAX_PASSWORD_TIMEOUT, PENDING_HEADER, SecretStore } from "../core/store/secret-store.ts";
import { tempHome } from "./helpers/home.ts";

const OLD = "old password";
const NEW = "new password";

async function code(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === "function" ? work() : work);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

async function open(directory: string, runtime: Runtime = nodeRuntime): Promise<SecretStore> {
  return await SecretStore.open({ runtime, directory, kdf: { ...MIN_KDF } });
}

async function storeWithSecrets() {
  const directory = join(tempHome("store-password"), "secretstore");
  const store = await open(directory);
  await store.create({ password: OLD });
  await store.set("a", "1", { owner: "ops" });
  await store.set("b", Uint8Array.from([1, 2]));
  await store.set("a", "2", { owner: "ops" }); // a superseded record
  await store.set("gone", "x");
  await store.remove("gone");
  return { directory, store, header: join(directory, FILE_NAMES.header), log: join(directory, FILE_NAMES.log) };
}

/** The node runtime whose first `rename` that `crashes` picks fails (as a crash at that step would stop it). */
function crashingAt(crashes: (from: string, to: string) => boolean): Runtime {
  const fs: FileSystem = Object.create(nodeRuntime.fs!);
  let crashed = false;
  fs.rename = (from, to) => {
    if (!crashed && crashes(from, to)) {
      crashed = true;
      throw new SecretManagementError("IO_ERROR", "simulated crash");
    }
    nodeRuntime.fs!.rename(from, to);
  };
  return { ...nodeRuntime, fs };
}

describe("changing the password with rotateKey", () => {
  it("re-encrypts every secret under a new data key: an old header, key or agent key opens nothing written after", async () => {
    const { directory, store, header, log } = await storeWithSecrets();
    const oldHeader = readFileSync(header);
    const oldKey = store.exportDataKey();
    const oldId = store.storeId;
    await store.changePassword(OLD, NEW, { rotateKey: true });
    await store.set("after", "written after the change");
    expect(store.storeId).not.toBe(oldId);

    const reader = await open(directory);
    expect(await code(reader.unlock(OLD))).toBe("WRONG_PASSWORD");
    await reader.unlock(NEW);
    expect(await reader.get("a")).toBe("2");
    expect(await reader.get("b")).toEqual(Uint8Array.from([1, 2]));
    expect(await reader.get("gone")).toBeUndefined();
    expect(await reader.get("after")).toBe("written after the change");
    expect((await reader.list("a"))[0]?.metadata).toEqual({ owner: "ops" });

    // The data key handed out before (to the unlock agent, say) no longer opens the store.
    const withOldKey = await open(directory);
    expect(await code(() => withOldKey.unlockWithDataKey(oldKey))).toBe("WRONG_PASSWORD");
    // An old copy of the header with the old password opens nothing of the new log.
    const copy = join(tempHome("store-password-copy"), "secretstore");
    cpSync(directory, copy, { recursive: true });
    writeFileSync(join(copy, FILE_NAMES.header), oldHeader);
    const stale = await open(copy);
    expect(await code(stale.unlock(OLD))).toBe("STORE_CORRUPT");
    expect(readFileSync(log).length).toBeGreaterThan(0);
    expect(readdirSync(directory).sort()).toEqual([FILE_NAMES.header, FILE_NAMES.log].sort());
  });

  it("a crash before the new log is in place leaves the old store (old password, pending header gone)", async () => {
    const { directory, store } = await storeWithSecrets();
    store.lock();
    const crashing = await open(directory, crashingAt((_, to) => to.endsWith(`/${FILE_NAMES.log}`)));
    expect(await code(crashing.changePassword(OLD, NEW, { rotateKey: true }))).toBe("IO_ERROR");
    expect(readdirSync(directory)).toContain(PENDING_HEADER);
    const next = await open(directory);
    expect(await code(next.unlock(NEW))).toBe("WRONG_PASSWORD");
    await next.unlock(OLD);
    expect(await next.get("a")).toBe("2");
    expect(readdirSync(directory).sort()).toEqual([FILE_NAMES.header, FILE_NAMES.log].sort());
  });

  it("a crash after the new log is in place finishes at the next open (new password, every secret)", async () => {
    const { directory, store } = await storeWithSecrets();
    store.lock();
    const crashing = await open(directory, crashingAt((from) => from.endsWith(`/${PENDING_HEADER}`)));
    expect(await code(crashing.changePassword(OLD, NEW, { rotateKey: true }))).toBe("IO_ERROR");
    const next = await open(directory);
    await next.unlock(NEW);
    expect(await next.get("a")).toBe("2");
    expect(await next.get("b")).toEqual(Uint8Array.from([1, 2]));
    expect(readdirSync(directory).sort()).toEqual([FILE_NAMES.header, FILE_NAMES.log].sort());
  });
});

describe("password change safety", () => {
  it("a header whose configuration bytes were altered is not re-signed by a password change", async () => {
    const { directory, header } = await storeWithSecrets();
    const bytes = readFileSync(header);
    bytes[10] = 2; // interaction prompt → none, tag left as it was
    writeFileSync(header, bytes);
    for (const rotateKey of [false, true]) {
      const store = await open(directory);
      expect(await code(store.changePassword(OLD, NEW, { rotateKey }))).toBe("STORE_CORRUPT");
      expect(readFileSync(header)).toEqual(bytes);
    }
  });

  it(`password timeouts stop at ${MAX_PASSWORD_TIMEOUT} s (the agent's timer limit)`, async () => {
    const { store } = await storeWithSecrets();
    expect(MAX_PASSWORD_TIMEOUT).toBe(2_147_483);
    expect(await code(store.setConfig({ passwordTimeout: MAX_PASSWORD_TIMEOUT + 1 }))).toBe("INVALID_ARGUMENT");
    await store.setConfig({ passwordTimeout: MAX_PASSWORD_TIMEOUT });
    expect(store.config.passwordTimeout).toBe(MAX_PASSWORD_TIMEOUT);
  });
});
