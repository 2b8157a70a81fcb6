/**
 * Fuzzing the SecretStore's parsers and the engine reading altered files (fast-check). Properties:
 * every parser fails only with SecretManagementError on any bytes; an altered sealed frame or wrapped
 * key never opens; a store whose files were altered, reopened, either refuses (STORE_CORRUPT and
 * friends) or serves exactly what was written, never other bytes. The engine runs over an in-memory
 * file system (test/helpers/memory-fs.ts) so that 10 000 reopenings take seconds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NONCE_LENGTH, open } from "../core/crypto/aead.ts";
import { crc32, writeU32 } from "../core/crypto/bytes.ts";
import {
  frameHeaderStatus,
  decodeHeader,
  decodeKeyFile,
  decodeLogPrefix,
  encodeHeaderBody,
  encodeKeyFile,
  encodeLogPrefix,
  FRAME_HEADER_LENGTH,
  HEADER_LENGTH,
  KIND_DELETE,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  openFrame,
  sealFrame,
} from "../core/store/format.ts";
import { decodeInfo, decodePut } from "../core/store/payload.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import type { SecretValue } from "../core/types.ts";
import { fuzzRuns, fuzzTimeout, parsesOrRefuses, parsesOrRefusesAsync } from "./helpers/fuzz.ts";
import { MemoryFileSystem, memoryRuntime } from "./helpers/memory-fs.ts";

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
/** Byte equality without expect's deep walk, which costs more than the parser under test. */
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** A valid encoding with some bytes replaced: what a fuzzer aiming at a parser's checks should feed it. */
function altered(valid: Uint8Array, edits: { at: number; value: number }[]): Uint8Array {
  const out = valid.slice();
  for (const { at, value } of edits) out[at % out.length] = value;
  return out;
}
const edits = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 });

describe("store format parsers take any bytes and fail only with SecretManagementError", () => {
  const storeId = new Uint8Array(16).fill(7);
  const validHeader = encodeHeaderBody({
    config: { authentication: "password", passwordTimeout: 900, interaction: "prompt" },
    storeId,
    kdf: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
    salt: new Uint8Array(16).fill(1),
    wrapNonce: new Uint8Array(24).fill(2),
    wrappedKey: new Uint8Array(48).fill(3),
  });
  const validLog = encodeLogPrefix({ storeId, generation: 3 });
  const validKeyFile = encodeKeyFile(storeId, new Uint8Array(32).fill(9));

  it("header, key file, log prefix and frame header: random and altered bytes", () => {
    fc.assert(
      fc.property(bytes(0, 200), edits, fc.nat(300), (random, changes, offset) => {
        for (const input of [random, altered(validHeader, changes), new Uint8Array(HEADER_LENGTH).map((_, i) => random[i % (random.length || 1)] ?? 0)]) {
          const header = parsesOrRefuses(() => decodeHeader(input));
          if ("value" in header) expect(sameBytes(header.value.bytes, input)).toBe(true);
        }
        parsesOrRefuses(() => decodeKeyFile(random));
        parsesOrRefuses(() => decodeKeyFile(altered(validKeyFile, changes)));
        parsesOrRefuses(() => decodeLogPrefix(random));
        const prefix = parsesOrRefuses(() => decodeLogPrefix(altered(validLog, changes)));
        // The prefix is CRC-checked: an altered one that still parses must be the same prefix.
        if ("value" in prefix) expect(prefix.value.generation).toBe(3);
        parsesOrRefuses(() => frameHeaderStatus(random, offset % (random.length + 1)));
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.05));

  it("record payloads: random bytes and random JSON decode or fail with STORE_CORRUPT", () => {
    const json = fc.jsonValue().map((value) => new TextEncoder().encode(JSON.stringify(value)));
    const named = fc.record({ name: fc.string(), type: fc.string(), value: fc.jsonValue(), metadata: fc.jsonValue() })
      .map((value) => new TextEncoder().encode(JSON.stringify(value)));
    fc.assert(
      fc.property(fc.oneof(bytes(0, 64), json, named), (payload) => {
        for (const decode of [decodePut, decodeInfo]) {
          const result = parsesOrRefuses(() => decode(payload));
          if ("error" in result) expect(result.error.code).toBe("STORE_CORRUPT");
        }
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.05));
});

describe("altered sealed data never opens", () => {
  const key = new Uint8Array(32).fill(5);
  const position = { storeId: new Uint8Array(16).fill(4), generation: 2, offset: LOG_PREFIX_LENGTH };

  it("a record frame with any byte changed fails its CRC or its authentication", () => {
    fc.assert(
      fc.property(bytes(0, 100), fc.constantFrom(KIND_PUT, KIND_DELETE), edits, fc.boolean(), (payload, kind, changes, fixCrc) => {
        const frame = sealFrame(key, position, { kind, sequence: 1, nameHash: new Uint8Array(16).fill(6), nonce: new Uint8Array(NONCE_LENGTH).fill(8) }, payload);
        expect(sameBytes(openFrame(key, position, frame), payload)).toBe(true);
        const changed = altered(frame, changes);
        // An attacker can recompute the CRC (it is not a MAC): the authentication must still fail.
        if (fixCrc) writeU32(changed, 56, crc32(changed, 0, 56));
        if (sameBytes(changed, frame)) return;
        if (frameHeaderStatus(changed, 0) === "ok") expect(openFrame(key, position, changed)).toBeUndefined();
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("a frame moved to another offset, generation or store does not open", () => {
    fc.assert(
      fc.property(bytes(0, 64), fc.nat(1 << 30), fc.nat(1 << 30), (payload, offset, generation) => {
        const frame = sealFrame(key, position, { kind: KIND_PUT, sequence: 1, nameHash: new Uint8Array(16), nonce: new Uint8Array(NONCE_LENGTH).fill(1) }, payload);
        const elsewhere = { storeId: position.storeId, generation: generation + 3, offset: offset + LOG_PREFIX_LENGTH + 1 };
        expect(openFrame(key, { ...position, offset: elsewhere.offset }, frame)).toBeUndefined();
        expect(openFrame(key, { ...position, generation: elsewhere.generation }, frame)).toBeUndefined();
        expect(openFrame(key, { ...position, storeId: new Uint8Array(16).fill(9) }, frame)).toBeUndefined();
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.2));

  it("a ciphertext with any byte changed does not open (the wrapped data key is one)", () => {
    const nonce = new Uint8Array(NONCE_LENGTH).fill(3);
    fc.assert(
      fc.property(bytes(0, 64), bytes(0, 48), edits, (plaintext, ad, changes) => {
        const sealed = sealFrame(key, position, { kind: KIND_PUT, sequence: 1, nameHash: ad.slice(0, 16).length === 16 ? ad.slice(0, 16) : new Uint8Array(16), nonce }, plaintext).subarray(FRAME_HEADER_LENGTH);
        const changed = altered(sealed, changes);
        if (sameBytes(changed, sealed)) return;
        expect(open(key, nonce, changed, ad)).toBeUndefined();
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));
});

describe("a SecretStore whose files were altered refuses or serves exactly what was written", () => {
  const directory = "/store";
  const files = [FILE_NAMES.header, FILE_NAMES.log, FILE_NAMES.key].map((name) => `${directory}/${name}`);

  /** A no-password store with a history: overwritten, removed and live secrets. Built once. */
  async function historyStore(): Promise<{ fs: MemoryFileSystem; latest: Map<string, SecretValue | undefined> }> {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory });
    await store.create({ config: { authentication: "none" } });
    const latest = new Map<string, SecretValue | undefined>();
    const writes: [string, SecretValue | undefined][] = [
      ["alpha", "first"],
      ["beta", new Uint8Array([0, 1, 2, 255])],
      ["alpha", "second"],
      ["gamma", { username: "u", password: "p" }],
      ["beta", undefined],
      ["delta", { k: "v", b: new Uint8Array([9]) }],
    ];
    for (const [name, value] of writes) {
      if (value === undefined) await store.remove(name);
      else await store.set(name, value);
      latest.set(name, value);
    }
    store.lock();
    return { fs, latest };
  }

  it("single-byte changes anywhere in header, log or key file", async () => {
    const { fs, latest } = await historyStore();
    const original = new Map(files.map((path) => [path, fs.bytes(path).slice()]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 1, max: 255 }), async (path, at, flip) => {
        for (const [file, content] of original) fs.overwrite(file, content.slice());
        const content = original.get(path)!.slice();
        content[at % content.length]! ^= flip;
        fs.overwrite(path, content);
        const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory });
        for (const [name, value] of latest) {
          const result = await parsesOrRefusesAsync(() => store.get(name));
          if ("value" in result) expect({ name, value: result.value }).toEqual({ name, value });
        }
        store.lock(); // as a program done with it would: a million runs share one job (test/store-memory.test.ts)
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(1));

  it("random lengths cut off the log (torn writes): the store reopens with a prefix of the history", async () => {
    const { fs, latest } = await historyStore();
    const log = fs.bytes(files[1]!).slice();
    const others = files.filter((path) => path !== files[1]).map((path) => [path, fs.bytes(path).slice()] as const);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: LOG_PREFIX_LENGTH, max: log.length }), async (length) => {
        for (const [file, content] of others) fs.overwrite(file, content.slice());
        fs.overwrite(files[1]!, log.slice(0, length));
        const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory });
        for (const name of latest.keys()) {
          const value = await store.get(name); // a torn tail is dropped, never an error
          if (length === log.length) expect(value).toEqual(latest.get(name));
        }
        store.lock();
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(1));
});
