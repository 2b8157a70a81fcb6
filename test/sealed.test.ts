/**
 * Sealed stores (core/sealed.ts) and the `sealed` vault: every value type and metadata round-trip,
 * names are case-insensitive, a wrong key is WRONG_PASSWORD and any altered or cut byte is
 * STORE_CORRUPT (never a value), the spec's vectors (test/vectors/sealed-v1.json, built from
 * docs/FORMAT.md by an independent generator) open, and the vault serves a file read-only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { openSealedStore, sealSecrets } from "../core/sealed.ts";
import type { SealedSecret } from "../core/sealed.ts";
import { sealedVault } from "../extensions/sealed/mod.ts";
import { BYTES_ALL, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";

const vectors = JSON.parse(readFileSync(new URL("./vectors/sealed-v1.json", import.meta.url), "utf8"));
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));

const SECRETS: SealedSecret[] = [
  { name: "Api-Token", value: UNICODE, metadata: { env: "prod", rotated: new Date("2026-01-02T03:04:05Z"), n: 3, ok: true } },
  { name: "blob", value: BYTES_ALL },
  { name: "empty", value: new Uint8Array(0) },
  { name: "db", value: { username: "app", password: "p@ss" } },
  { name: "cfg", value: { host: "db.internal", cert: BYTES_ALL, admin: { username: "root", password: "r" } } },
];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeDefined();
  return (error as { code: string }).code;
}

describe("sealed stores", () => {
  it("round-trips every value type and metadata, from a Uint8Array or an ArrayBuffer", async () => {
    const { bytes, key } = sealSecrets(SECRETS);
    expect(key).toMatch(/^smsk1_[0-9a-f]{64}$/);
    for (const input of [bytes, bytes.slice().buffer]) {
      const store = await openSealedStore(input, key);
      for (const secret of SECRETS) expect(await store.get(secret.name)).toEqual(secret.value);
      expect(await store.get("API-TOKEN")).toBe(UNICODE);
      const info = await store.info();
      expect(info.map((i) => [i.name, i.type])).toEqual([
        ["Api-Token", "string"], ["blob", "bytes"], ["empty", "bytes"], ["db", "credential"], ["cfg", "map"],
      ]);
      expect(info[0]!.metadata).toEqual(SECRETS[0]!.metadata);
      expect((await store.info("b*")).map((i) => i.name)).toEqual(["blob"]);
    }
  });

  it("throws SECRET_NOT_FOUND for a missing name, and returns copies", async () => {
    const { bytes, key } = sealSecrets(SECRETS);
    const store = await openSealedStore(bytes, key);
    expect(await codeOf(store.get("nope"))).toBe("SECRET_NOT_FOUND");
    const first = (await store.get("blob")) as Uint8Array;
    first[0] = 0xff;
    expect(await store.get("blob")).toEqual(BYTES_ALL);
  });

  it("uses a fresh key and nonce each time", () => {
    const a = sealSecrets(SECRETS);
    const b = sealSecrets(SECRETS);
    expect(a.key).not.toBe(b.key);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
  });

  it("refuses two names that differ only in case", () => {
    expect(() => sealSecrets([{ name: "a", value: "1" }, { name: "A", value: "2" }])).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("a wrong key is WRONG_PASSWORD; every flipped bit and every cut is STORE_CORRUPT", async () => {
    const { bytes, key } = sealSecrets([{ name: "x", value: "canary-value-123" }]);
    const other = sealSecrets([]).key;
    expect(await codeOf(openSealedStore(bytes, other))).toBe("WRONG_PASSWORD");
    expect(await codeOf(openSealedStore(bytes, "hunter2"))).toBe("WRONG_PASSWORD");
    for (let offset = 0; offset < bytes.length; offset++) {
      const altered = bytes.slice();
      altered[offset]! ^= 1 << (offset % 8);
      expect(await codeOf(openSealedStore(altered, key))).toBe("STORE_CORRUPT");
    }
    for (let length = 0; length < bytes.length; length++) {
      expect(await codeOf(openSealedStore(bytes.subarray(0, length), key))).toBe("STORE_CORRUPT");
    }
  });

  it("opens the spec's vector and refuses each invalid one with its code", async () => {
    const store = await openSealedStore(fromHex(vectors.valid.bytes), vectors.key);
    expect(await store.get("api-token")).toBe("tok-Ünïcödé-🔑");
    expect(await store.get("blob")).toEqual(Uint8Array.of(0, 1, 2, 0xfd, 0xfe, 0xff));
    expect(await store.get("db")).toEqual({ username: "app", password: "p@ss" });
    expect(await store.get("cfg")).toEqual({
      host: "db.internal",
      cert: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
      admin: { username: "root", password: "r" },
    });
    expect((await store.info("api-token"))[0]!.metadata).toEqual({ env: "prod", rotated: new Date("2026-01-02T03:04:05Z") });
    for (const vector of vectors.invalid) {
      expect([vector.why, await codeOf(openSealedStore(fromHex(vector.bytes), vector.key))]).toEqual([vector.why, vector.code]);
    }
  });
});

describe("the sealed vault", () => {
  it("serves a sealed file read-only through the normal API and search order", async () => {
    const home = tempHome("sealed");
    const file = join(home, "app.sealed");
    const { bytes, key } = sealSecrets(SECRETS);
    writeFileSync(file, bytes, { mode: 0o600 });
    process.env.SEALED_TEST_KEY = key;
    try {
      const sm = await SecretManagement.open({ home });
      await sm.registerVault("config", "sealed", { parameters: { path: file, keyEnv: "SEALED_TEST_KEY" } });
      expect(await sm.getSecret("db")).toEqual(SECRETS[3]!.value);
      expect(await sm.getSecret("blob", { vault: "config" })).toEqual(BYTES_ALL);
      expect((await sm.getSecretInfo("*", { vault: "config" })).map((i) => i.vault)).toEqual(Array(5).fill("config"));
      expect(await codeOf(sm.setSecret("new", "v", { vault: "config" }))).toBe("UNSUPPORTED");
      expect(await codeOf(sm.removeSecret("db", { vault: "config" }))).toBe("UNSUPPORTED");
      expect(await codeOf(sm.getSecret("missing", { vault: "config" }))).toBe("SECRET_NOT_FOUND");
      expect(await sm.testVault("config")).toBe(true);
    } finally {
      delete process.env.SEALED_TEST_KEY;
    }
  });

  it("refuses a relative path, a key in parameters, and says where the key goes when it is missing", async () => {
    const home = tempHome("sealed");
    const sm = await SecretManagement.open({ home });
    expect(await codeOf(sm.registerVault("a", "sealed", { parameters: { path: "app.sealed" } }))).toBe("INVALID_ARGUMENT");
    const error = await sm.registerVault("b", "sealed", { parameters: { path: "/x.sealed", key: "smsk1_canary" } }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((error as Error).message).not.toContain("canary");
    const file = join(home, "c.sealed");
    writeFileSync(file, sealSecrets([{ name: "x", value: "y" }]).bytes);
    await sm.registerVault("c", "sealed", { parameters: { path: file, keyEnv: "NO_SUCH_SEALED_KEY_VAR" } });
    const missing = await sm.getSecret("x", { vault: "c" }).catch((e: Error) => e);
    expect(missing).toMatchObject({ code: "PASSWORD_REQUIRED" });
    expect((missing as Error).message).toContain("NO_SUCH_SEALED_KEY_VAR");
  });

  it("sealedVault(bytes) serves bytes held in memory, as a worker would", async () => {
    const { bytes, key } = sealSecrets(SECRETS);
    const sm = await SecretManagement.open({ home: tempHome("sealed"), builtins: { config: async () => ({ default: sealedVault(bytes) }) } });
    process.env.SEALED_MEM_KEY = key;
    try {
      await sm.registerVault("config", "config", { parameters: { keyEnv: "SEALED_MEM_KEY" } });
      expect(await sm.getSecret("cfg")).toEqual(SECRETS[4]!.value);
    } finally {
      delete process.env.SEALED_MEM_KEY;
    }
  });
});
