/**
 * The opt-in read cache (`SecretManagement.open({ cache: { ttlSeconds } })`), counted at the vault:
 * reads within the TTL do not reach it, expired ones do, every write through the instance empties the
 * cache, callers get copies, and without the option every read reaches the vault.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { defineVault, SecretManagement, type SecretValue } from "../edge.ts";

/** A vault over a shared map that counts the reads reaching it. */
function countingVault(data: Map<string, SecretValue>, reads: { count: number }) {
  return defineVault(() => ({
    capabilities: { metadata: false, types: ["string", "bytes", "credential", "map"] },
    async getSecret(name) {
      reads.count++;
      return data.get(name);
    },
    async setSecret(name, value) {
      data.set(name, value);
    },
    async removeSecret(name) {
      data.delete(name);
    },
    async getSecretInfo() {
      return [];
    },
    async test() {
      return true;
    },
  }));
}

async function setUp(cache?: { ttlSeconds: number }) {
  const data = new Map<string, SecretValue>([["token", "t1"], ["blob", Uint8Array.from([1, 2, 3])]]);
  const reads = { count: 0 };
  const sm = await SecretManagement.open(cache === undefined ? {} : { cache });
  await sm.registerVault("shared", countingVault(data, reads));
  return { sm, data, reads };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("read cache", () => {
  it("answers repeated reads within the TTL from memory, and asks the vault again after it", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["Date"] });
    const { sm, data, reads } = await setUp({ ttlSeconds: 30 });
    expect(await sm.getSecret("token")).toBe("t1");
    expect(await sm.getSecret("token")).toBe("t1");
    expect(await sm.getSecret("token", { vault: "SHARED" })).toBe("t1");
    expect(await sm.getSecret("token", { vault: "shared" })).toBe("t1");
    expect(reads.count).toBe(2); // one search, one read of the named vault
    data.set("token", "t2"); // changed behind the instance's back: seen once the TTL has passed
    vi.setSystemTime(29_000);
    expect(await sm.getSecret("token")).toBe("t1");
    vi.setSystemTime(30_001);
    expect(await sm.getSecret("token")).toBe("t2");
    expect(reads.count).toBe(3);
  });

  it("is emptied by writes through the instance", async () => {
    const { sm, reads } = await setUp({ ttlSeconds: 3600 });
    await sm.getSecret("token");
    await sm.setSecret("token", "t-new", { vault: "shared" });
    expect(await sm.getSecret("token")).toBe("t-new");
    await sm.removeSecret("token", { vault: "shared" });
    await expect(sm.getSecret("token")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.getSecret("token")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" }); // misses are not cached
    expect(reads.count).toBe(4);
  });

  it("hands out copies: changing a returned value does not change the cached one", async () => {
    const { sm } = await setUp({ ttlSeconds: 3600 });
    (await sm.getSecret("blob") as Uint8Array).fill(0);
    expect(await sm.getSecret("blob")).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it("is off unless asked for, and refuses a TTL that is not a number of seconds", async () => {
    const { sm, reads } = await setUp();
    for (let i = 0; i < 3; i++) await sm.getSecret("token");
    expect(reads.count).toBe(3);
    await expect(SecretManagement.open({ cache: { ttlSeconds: -1 } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(SecretManagement.open({ cache: { ttlSeconds: Number.NaN } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
