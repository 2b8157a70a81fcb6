/**
 * Fuzzing the secret value codec: the typed JSON envelope (core/envelope.ts) that text-storing vaults
 * use, the SecretStore's record payload (core/store/payload.ts) and base64. Properties: decode∘encode
 * is the identity for every value type, every Unicode string (lone surrogates included), all 256 byte
 * values and every size up to MAX_SECRET_VALUE_BYTES; any text or bytes decode or fail with
 * SecretManagementError only.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { decodeSecret, encodeSecret, metadataFromJson, metadataToJson } from "../core/envelope.ts";
import { decodePut, encodePut } from "../core/store/payload.ts";
import { SecretStore } from "../core/store/secret-store.ts";
import { MAX_SECRET_VALUE_BYTES, type Metadata, type SecretValue, secretValueSize, validateSecretValue } from "../core/types.ts";
import { fuzzRuns, fuzzTimeout, parsesOrRefuses } from "./helpers/fuzz.ts";
import { memoryRuntime } from "./helpers/memory-fs.ts";

const text = fc.string({ unit: "binary", maxLength: 40 });
const item = fc.oneof(text, fc.uint8Array({ maxLength: 40 }), fc.record({ username: text, password: text }));
const map = fc.dictionary(text.filter((key) => key !== "__proto__"), item, { maxKeys: 6 }).map((entries) => Object.fromEntries(Object.entries(entries)));
export const secretValues: fc.Arbitrary<SecretValue> = fc.oneof(text, fc.uint8Array({ maxLength: 80 }), fc.record({ username: text, password: text }), map);
const metadata: fc.Arbitrary<Metadata> = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }).filter((key) => key !== "__proto__"),
  fc.oneof(text, fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.date({ noInvalidDate: true })),
  { maxKeys: 4 },
).map((entries) => Object.fromEntries(Object.entries(entries)));

describe("secret value codec: decode(encode(v)) = v", () => {
  it("the typed JSON envelope, every value type", () => {
    fc.assert(
      fc.property(secretValues, (value) => {
        validateSecretValue(value);
        expect(decodeSecret(encodeSecret(value))).toEqual(value);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("the SecretStore record payload, with metadata", () => {
    fc.assert(
      fc.property(text, secretValues, metadata, (name, value, meta) => {
        const decoded = decodePut(encodePut(name, value, meta));
        expect(decoded).toEqual({ name, type: decoded.type, value, metadata: meta });
        expect(metadataFromJson(JSON.parse(JSON.stringify(metadataToJson(meta))))).toEqual(meta);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("base64, all byte values and lengths", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = bytesToBase64(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString("base64"));
        expect(base64ToBytes(encoded)).toEqual(bytes);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("every size up to the documented limit (8 MiB), bytes and text, through the envelope and the store payload", () => {
    const sizes = fc.oneof(
      fc.constantFrom(0, 1, 2, 3, MAX_SECRET_VALUE_BYTES - 1, MAX_SECRET_VALUE_BYTES),
      fc.integer({ min: 0, max: MAX_SECRET_VALUE_BYTES }),
    );
    fc.assert(
      fc.property(sizes, fc.boolean(), fc.integer({ min: 0, max: 0x10ffff }), (size, asBytes, codePoint) => {
        const value: SecretValue = asBytes
          ? randomBytes(size)
          : textOfSize(size, codePoint);
        expect(secretValueSize(value)).toBe(size);
        validateSecretValue(value);
        expect(sameValue(decodeSecret(encodeSecret(value)), value)).toBe(true);
        expect(sameValue(decodePut(encodePut("n", value, {})).value, value)).toBe(true);
      }),
      // Each run at the top of the range encodes 8 MiB twice: a few dozen runs (at least the six boundaries).
      { numRuns: Math.max(6, Math.min(12, fuzzRuns(800))), examples: [[0, true, 0], [MAX_SECRET_VALUE_BYTES, true, 0], [MAX_SECRET_VALUE_BYTES, false, 0x1f600]] },
    );
    expect(() => validateSecretValue(randomBytes(MAX_SECRET_VALUE_BYTES + 1))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  }, 240_000);

  it("through the SecretStore engine: set then get, every value type, with a reopen", async () => {
    const runtime = memoryRuntime();
    const store = await SecretStore.open({ runtime, directory: "/codec" });
    await store.create({ config: { authentication: "none" } });
    await fc.assert(
      fc.asyncProperty(text.filter((name) => name.length > 0 && !/[\u0000-\u001f\u007f]/.test(name)), secretValues, async (name, value) => {
        await store.set(name, value);
        expect(await store.get(name)).toEqual(value);
      }),
      // Each run takes the store lock, appends and decrypts: a fifth of the runs keeps this near 2 s.
      { numRuns: fuzzRuns(5) },
    );
    const reopened = await SecretStore.open({ runtime, directory: "/codec" });
    expect((await reopened.list("*")).length).toBe((await store.list("*")).length);
  }, fuzzTimeout(1, 5));
});

describe("secret value codec: any input decodes or fails with SecretManagementError", () => {
  it("envelope text, JSON of any shape and base64 text", () => {
    const anyJson = fc.jsonValue().map((value) => JSON.stringify(value));
    const shaped = fc.record({ type: fc.oneof(fc.constantFrom("string", "bytes", "credential", "map"), fc.string()), value: fc.jsonValue() })
      .map((value) => JSON.stringify(value));
    fc.assert(
      fc.property(fc.oneof(fc.string(), anyJson, shaped), fc.string(), (input, base64) => {
        const secret = parsesOrRefuses(() => decodeSecret(input));
        if ("error" in secret) expect(secret.error.code).toBe("STORE_CORRUPT");
        else expect(decodeSecret(encodeSecret(secret.value))).toEqual(secret.value);
        const bytes = parsesOrRefuses(() => base64ToBytes(base64));
        // Non-canonical text (pad bits set, "///=") is accepted as its canonical twin: lenient, and harmless.
        if ("value" in bytes) expect(base64ToBytes(bytesToBase64(bytes.value))).toEqual(bytes.value);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));
});

function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)));
  return out;
}

/** A string of exactly `size` UTF-8 bytes: as many copies of the code point as fit, then ASCII. */
function textOfSize(size: number, codePoint: number): string {
  const char = codePoint >= 0xd800 && codePoint <= 0xdfff ? "\u00e9" : String.fromCodePoint(codePoint);
  const width = new TextEncoder().encode(char).length;
  const copies = Math.floor(size / width);
  return char.repeat(copies) + "x".repeat(size - copies * width);
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
  return false;
}
