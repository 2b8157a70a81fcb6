/**
 * The store's crypto and format against fixed vectors: test/vectors/store-v1.json (built from
 * docs/FORMAT.md by test/vectors/generate.ts with raw primitives), the XChaCha20-Poly1305 vector of
 * draft-irtf-cfrg-xchacha-03 §A.3.1, and the two Argon2id implementations against each other.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import * as nodeCrypto from "node:crypto";
import { chaCha20Poly1305From } from "../adapters/shared/aead.ts";
import { open, seal, xchachaOver } from "../core/crypto/aead.ts";
import { crc32, fromHex, toHex } from "../core/crypto/bytes.ts";
import { argon2idNoble, argon2idWasm, derivePasswordKey, MAX_KDF, MIN_KDF } from "../core/crypto/kdf.ts";
import {
  decodeHeader,
  encodeHeaderBody,
  encodeLogPrefix,
  headerTaggedBytes,
  type RecordKind,
  sealFrame,
  setHeaderTag,
  setWrappedKey,
  wrapDataKey,
} from "../core/store/format.ts";
import { StoreKeys } from "../core/store/keys.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import { tempHome } from "./helpers/home.ts";

const nodeChaCha20Poly1305 = chaCha20Poly1305From(nodeCrypto);

interface VectorRecord {
  offset: number;
  kind: RecordKind;
  name: string;
  nonce: string;
  nameHash: string;
  plaintext: string;
  frame: string;
}

const vector = JSON.parse(readFileSync(new URL("./vectors/store-v1.json", import.meta.url), "utf8")) as {
  inputs: {
    password: string;
    kdf: { memoryKiB: number; iterations: number; parallelism: number };
    salt: string;
    storeId: string;
    dataKey: string;
    wrapNonce: string;
    generation: number;
  };
  derived: { keyEncryptionKey: string; recordKey: string; headerKey: string };
  header: string;
  logPrefix: string;
  records: VectorRecord[];
  log: string;
  invalid: { description: string; file: "log" | "header"; bytes: string; error: string }[];
};
const inputs = vector.inputs;

function writeStore(header: string, log: string): string {
  const directory = join(tempHome("vectors"), "store");
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  writeFileSync(join(directory, FILE_NAMES.header), fromHex(header), { mode: 0o600 });
  writeFileSync(join(directory, FILE_NAMES.log), fromHex(log), { mode: 0o600 });
  return directory;
}

describe("store format vectors (test/vectors/store-v1.json)", () => {
  it("derives the key-encryption key and subkeys, and encodes the exact header", async () => {
    const kek = await derivePasswordKey(inputs.password, fromHex(inputs.salt), inputs.kdf);
    expect(toHex(kek)).toBe(vector.derived.keyEncryptionKey);
    const keys = new StoreKeys(fromHex(inputs.dataKey));
    expect(toHex(keys.recordKey)).toBe(vector.derived.recordKey);
    expect(toHex(keys.headerKey)).toBe(vector.derived.headerKey);
    const body = encodeHeaderBody({
      config: { authentication: "password", passwordTimeout: 900, interaction: "prompt" },
      storeId: fromHex(inputs.storeId),
      kdf: inputs.kdf,
      salt: fromHex(inputs.salt),
      wrapNonce: fromHex(inputs.wrapNonce),
      wrappedKey: new Uint8Array(48),
    });
    setWrappedKey(body, wrapDataKey(kek, fromHex(inputs.wrapNonce), keys.dataKey, body));
    setHeaderTag(body, keys.headerTag(headerTaggedBytes(body)));
    expect(toHex(body)).toBe(vector.header);
    expect(decodeHeader(body).kdf).toEqual(inputs.kdf);
  });

  it("seals the exact record frames and log", () => {
    const keys = new StoreKeys(fromHex(inputs.dataKey));
    const storeId = fromHex(inputs.storeId);
    expect(toHex(encodeLogPrefix({ storeId, generation: inputs.generation }))).toBe(vector.logPrefix);
    for (const record of vector.records) {
      expect(toHex(keys.nameHash(record.name.toLowerCase()))).toBe(record.nameHash);
      const frame = sealFrame(
        keys.recordKey,
        { storeId, generation: inputs.generation, offset: record.offset },
        { kind: record.kind, sequence: vector.records.indexOf(record) + 1, nameHash: fromHex(record.nameHash), nonce: fromHex(record.nonce) },
        new TextEncoder().encode(record.plaintext),
      );
      expect(toHex(frame)).toBe(record.frame);
    }
    expect(vector.log).toBe(vector.logPrefix + vector.records.map((record) => record.frame).join(""));
  });

  it("the engine opens the vector store with its password and serves what it holds", async () => {
    const store = await SecretStore.open({ runtime: nodeRuntime, directory: writeStore(vector.header, vector.log) });
    await store.unlock(inputs.password);
    expect(store.storeId).toBe(inputs.storeId);
    expect(await store.get("database")).toBeUndefined();
    expect(await store.get("API-KEY")).toEqual(Uint8Array.from([0, 1, 2, 255]));
    expect(await store.list("*")).toEqual([{ name: "api-key", type: "bytes", metadata: {} }]);
  });

  for (const bad of vector.invalid) {
    it(`refuses an invalid ${bad.file}: ${bad.description} → ${bad.error}`, async () => {
      const directory = bad.file === "log" ? writeStore(vector.header, bad.bytes) : writeStore(bad.bytes, vector.log);
      const store = await SecretStore.open({ runtime: nodeRuntime, directory });
      const failure = await (async () => {
        await store.unlock(inputs.password);
        await store.list("*");
      })().then(() => undefined, (error) => (error as { code?: string }).code);
      expect(failure).toBe(bad.error);
    });
  }
});

describe("XChaCha20-Poly1305", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
  const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const expected = "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39" +
    "ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da97688" +
    "12f615c68b13b52ec0875924c1c7987947deafd8780acf49";

  it("matches draft-irtf-cfrg-xchacha-03 §A.3.1 with noble and over node:crypto", () => {
    expect(toHex(seal(key, nonce, plaintext, aad))).toBe(expected);
    const platform = xchachaOver(nodeChaCha20Poly1305!);
    expect(toHex(platform.seal(key, nonce, plaintext, aad))).toBe(expected);
    expect(platform.open(key, nonce, fromHex(expected), aad)).toEqual(plaintext);
  });

  it("the node:crypto construction is byte-identical to noble at every length, and both refuse tampering", () => {
    const platform = xchachaOver(nodeChaCha20Poly1305!);
    for (let length = 0; length < 300; length += 7) {
      const message = crypto.getRandomValues(new Uint8Array(length));
      const k = crypto.getRandomValues(new Uint8Array(32));
      const n = crypto.getRandomValues(new Uint8Array(24));
      const sealed = seal(k, n, message, aad);
      expect(platform.seal(k, n, message, aad)).toEqual(sealed);
      expect(platform.open(k, n, sealed, aad)).toEqual(message);
      const bad = sealed.slice();
      bad[length % bad.length]! ^= 0x80;
      expect(open(k, n, bad, aad)).toBeUndefined();
      expect(platform.open(k, n, bad, aad)).toBeUndefined();
      expect(platform.open(k, n, sealed, new Uint8Array(1))).toBeUndefined();
    }
  });
});

describe("CRC-32", () => {
  it("gives the ISO-HDLC check value and agrees with a bit-by-bit reference at every length and start", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    const reference = (bytes: Uint8Array) => {
      let c = 0xffffffff;
      for (const byte of bytes) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = crypto.getRandomValues(new Uint8Array(100));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end++) expect(crc32(data, start, end)).toBe(reference(data.subarray(start, end)));
    }
  });
});

describe("Argon2id", () => {
  it("hash-wasm and the @noble/hashes fallback give identical output (small parameters)", async () => {
    const password = new TextEncoder().encode("pässwörd");
    const salt = Uint8Array.from({ length: 16 }, (_, i) => i);
    for (const params of [
      { memoryKiB: 64, iterations: 1, parallelism: 1 },
      { memoryKiB: 256, iterations: 3, parallelism: 2 },
      { memoryKiB: 1024, iterations: 2, parallelism: 4 },
    ]) {
      expect(toHex(await argon2idWasm(password, salt, params))).toBe(toHex(await argon2idNoble(password, salt, params)));
    }
  });

  it("refuses parameters outside the bounds before deriving", async () => {
    const salt = new Uint8Array(16);
    for (const params of [
      { ...MIN_KDF, memoryKiB: MIN_KDF.memoryKiB - 1 },
      { ...MIN_KDF, iterations: MIN_KDF.iterations - 1 },
      { ...MIN_KDF, parallelism: 0 },
      { ...MIN_KDF, memoryKiB: MAX_KDF.memoryKiB + 1 },
      { ...MIN_KDF, iterations: MAX_KDF.iterations + 1 },
      { ...MIN_KDF, parallelism: MAX_KDF.parallelism + 1 },
      { ...MIN_KDF, memoryKiB: 19456.5 },
    ]) {
      await expect(derivePasswordKey("x", salt, params)).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    }
  });
});
