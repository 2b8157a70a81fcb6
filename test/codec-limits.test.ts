/**
 * Value codecs at scale and at their edges, through the library: base64 of values of several MiB,
 * the value size limit, "__proto__" keys, and wildcards that a backtracking matcher cannot finish.
 */
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { decodeSecret, encodeSecret, metadataFromJson, secretFromJson } from "../core/envelope.ts";
import { copyMetadata, copySecretValue, MAX_SECRET_VALUE_BYTES, secretValueSize } from "../core/types.ts";
import { compileWildcard } from "../core/wildcard.ts";
import { SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

async function memoryManager(): Promise<SecretManagement> {
  const sm = await SecretManagement.open({ home: tempHome("codec") });
  await sm.registerVault("mem", "memory");
  return sm;
}

/** Compared here, not with toEqual: a deep equality walks a typed array key by key, which at MiB sizes takes minutes. */
function sameBytes(actual: unknown, expected: Uint8Array): boolean {
  return actual instanceof Uint8Array && Buffer.compare(actual, expected) === 0;
}

/** Bytes that differ from one position to the next, so a shifted or truncated copy cannot pass. */
function patternBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
}

describe("base64 over large values", () => {
  it("round-trips a value of twice the size limit (11 M characters; the regex check overflowed at 4.5 M)", () => {
    const bytes = patternBytes(2 * MAX_SECRET_VALUE_BYTES);
    const text = bytesToBase64(bytes);
    expect(text.length).toBeGreaterThan(8_300_000);
    expect(sameBytes(base64ToBytes(text), bytes)).toBe(true);
  });

  it("still refuses malformed input anywhere in a large one", () => {
    const text = bytesToBase64(patternBytes(3_000_000));
    const middle = text.length / 2;
    for (const bad of [`${text.slice(0, middle)}*${text.slice(middle + 1)}`, `${text.slice(0, -4)}=AAA`, text.slice(1)]) {
      expect(() => base64ToBytes(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });
});

describe("value size limit", () => {
  it("counts bytes, UTF-8 text, credentials and map entries", () => {
    expect(secretValueSize(new Uint8Array(5))).toBe(5);
    expect(secretValueSize("aé😀")).toBe(1 + 2 + 4);
    expect(secretValueSize({ username: "u", password: "pw" })).toBe(3);
    expect(secretValueSize({ k: "v" })).toBe(32 + 2);
  });

  it("the memory vault round-trips bytes and text at the limit and refuses one byte more, writing nothing", async () => {
    const sm = await memoryManager();
    const atLimit = patternBytes(MAX_SECRET_VALUE_BYTES);
    await sm.setSecret("blob", atLimit);
    expect(sameBytes(await sm.getSecret("blob"), atLimit)).toBe(true);
    const text = "x".repeat(MAX_SECRET_VALUE_BYTES - 2) + "é";
    await sm.setSecret("text", text);
    expect(await sm.getSecret("text")).toBe(text);

    await expect(sm.setSecret("over", patternBytes(MAX_SECRET_VALUE_BYTES + 1))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(sm.setSecret("over", `${text}x`)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.setSecret("blob", patternBytes(MAX_SECRET_VALUE_BYTES + 1))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(sameBytes(await sm.getSecret("blob"), atLimit)).toBe(true);
    await expect(sm.getSecret("over")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });
});

describe('"__proto__" keys are never dropped silently', () => {
  it("setSecret refuses a map value with a __proto__ key", async () => {
    const sm = await memoryManager();
    const map = JSON.parse('{"__proto__": "x", "a": "b"}');
    await expect(sm.setSecret("m", map)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.getSecret("m")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("setSecret and setSecretInfo refuse __proto__ metadata, leaving the old metadata", async () => {
    const sm = await memoryManager();
    const metadata = JSON.parse('{"__proto__": "x"}');
    await expect(sm.setSecret("s", "v", { metadata })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await sm.setSecret("s", "v", { metadata: { kept: 1 } });
    await expect(sm.setSecretInfo("s", metadata)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((await sm.getSecretInfo("s"))[0]!.metadata).toEqual({ kept: 1 });
  });

  it("decoding a stored envelope, and copying, keep a __proto__ key as an entry", () => {
    const decoded = decodeSecret('{"type": "map", "value": {"__proto__": "x", "a": "b"}}') as Record<string, string>;
    expect(Object.keys(decoded)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(copySecretValue(decoded))).toEqual(["__proto__", "a"]);
    expect(JSON.parse(encodeSecret(decoded)).value).toEqual(JSON.parse('{"__proto__": "x", "a": "b"}'));
    expect(Object.keys(secretFromJson("map", JSON.parse('{"__proto__": "x"}')))).toEqual(["__proto__"]);
    const metadata = metadataFromJson(JSON.parse('{"__proto__": 1, "b": true}'));
    expect(Object.keys(metadata)).toEqual(["__proto__", "b"]);
    expect(Object.keys(copyMetadata(metadata))).toEqual(["__proto__", "b"]);
  });
});

describe("wildcards that a backtracking matcher cannot finish", () => {
  // A regex engine takes exponential time on these; the default test timeout is the bound.
  it("50 stars against a 100 000-character name", () => {
    const name = "a".repeat(100_000);
    expect(compileWildcard(`${"*a".repeat(50)}*b`)(name)).toBe(false);
    expect(compileWildcard(`${"*a".repeat(50)}*`)(name)).toBe(true);
    expect(compileWildcard(`${"*?".repeat(50)}*b`)(name)).toBe(false);
  });

  it("*a*a*a*b against a 512-character name, on each of many names", () => {
    const matches = compileWildcard("*a*a*a*b");
    for (let i = 0; i < 200; i++) expect(matches("a".repeat(512 + i))).toBe(false);
    expect(matches(`${"a".repeat(512)}b`)).toBe(true);
  });

  it("matches case-sensitively when asked, and by code point", () => {
    expect(compileWildcard("Team/*")("team/x")).toBe(true);
    expect(compileWildcard("Team/*", { caseSensitive: true })("team/x")).toBe(false);
    expect(compileWildcard("Team/?", { caseSensitive: true })("Team/😀")).toBe(true);
    expect(compileWildcard("a*b*c", { caseSensitive: true })("aXbYc")).toBe(true);
    expect(compileWildcard("ab*ba")("aba")).toBe(false);
  });
});
