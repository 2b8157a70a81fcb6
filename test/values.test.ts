import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../core/base64.ts";
import { decodeSecret, encodeSecret, metadataFromJson, metadataToJson } from "../core/envelope.ts";
import { parseSecretReference } from "../core/references.ts";
import { copySecretValue, Credential, secretTypeOf, type SecretValue, validateMetadata } from "../core/types.ts";
import { compileWildcard } from "../core/wildcard.ts";
import { BYTES_ALL, UNICODE } from "./helpers/contract.ts";

describe("value types", () => {
  it("names the type of every value kind", () => {
    expect(secretTypeOf("")).toBe("string");
    expect(secretTypeOf(new Uint8Array())).toBe("bytes");
    expect(secretTypeOf(Credential("u", "p"))).toBe("credential");
    expect(secretTypeOf({})).toBe("map");
    expect(secretTypeOf({ a: "x", b: new Uint8Array([1]), c: { username: "u", password: "p" } })).toBe("map");
  });

  it("refuses values that are not secret values", () => {
    for (const value of [1, true, null, undefined, [], new Date(), new Map(), { a: 1 }, { a: { b: "c" } }, Symbol()]) {
      expect(() => secretTypeOf(value)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("copies deeply", () => {
    const map = { k: new Uint8Array([1, 2]), c: { username: "u", password: "p" } };
    const copy = copySecretValue(map);
    (copy.k as Uint8Array)[0] = 9;
    (copy.c as { password: string }).password = "changed";
    expect(map).toEqual({ k: new Uint8Array([1, 2]), c: { username: "u", password: "p" } });
  });

  it("accepts only flat metadata of string, finite number, boolean and valid Date", () => {
    expect(validateMetadata({ a: "x", b: 1.5, c: false, d: new Date(0) })).toBeTruthy();
    for (const bad of [null, [], "x", { a: Infinity }, { a: {} }, { a: undefined }]) {
      expect(() => validateMetadata(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });
});

describe("wildcards", () => {
  const cases: [string, string, boolean][] = [
    ["*", "", true],
    ["*", "anything", true],
    ["db-*", "DB-prod", true],
    ["db-*", "xdb-prod", false],
    ["?", "a", true],
    ["?", "", false],
    ["?", "ab", false],
    ["?", "😀", true], // one code point, two UTF-16 units
    ["a?c", "a\nc", true],
    ["a.c", "abc", false], // regex characters are literal
    ["a+(b)[c]{d}$^|\\", "a+(b)[c]{d}$^|\\", true],
    ["*.json", "vaults.json", true],
    ["*.json", "vaultsxjson", false],
    ["**", "x", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
    ["ÄÖ*", "äöü", true],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? "matches" : "does not match"} ${JSON.stringify(name)}`, () => {
      expect(compileWildcard(pattern)(name)).toBe(expected);
    });
  }
});

describe("base64", () => {
  it("round-trips all 256 byte values and large inputs", () => {
    expect(base64ToBytes(bytesToBase64(BYTES_ALL))).toEqual(BYTES_ALL);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) & 0xff);
    expect(base64ToBytes(bytesToBase64(big))).toEqual(big);
    expect(bytesToBase64(new Uint8Array())).toBe("");
  });

  it("rejects malformed base64", () => {
    for (const bad of ["abc", "a===", "@@@@", "YQ", "YQ=", "Y Q=="]) {
      expect(() => base64ToBytes(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });
});

describe("typed envelope", () => {
  it("round-trips every type and metadata kind exactly", () => {
    const values: SecretValue[] = [
      UNICODE,
      "",
      BYTES_ALL,
      { username: "u", password: UNICODE },
      { s: "x", b: BYTES_ALL, c: { username: "a", password: "b" } },
      {},
    ];
    for (const value of values) expect(decodeSecret(encodeSecret(value))).toEqual(value);
    const metadata = { s: "x", n: -1.25, t: true, d: new Date("2031-05-06T07:08:09.010Z") };
    expect(metadataFromJson(JSON.parse(JSON.stringify(metadataToJson(metadata))))).toEqual(metadata);
  });

  it("refuses corrupt envelopes with STORE_CORRUPT", () => {
    for (const bad of ["", "{", "[]", '{"type":"string"}', '{"type":"bytes","value":"x"}', '{"type":"nope","value":"x"}',
      '{"type":"credential","value":{"username":"u"}}', '{"type":"bytes","value":{"bytes":"***"}}']) {
      expect(() => decodeSecret(bad)).toThrow();
    }
    expect(() => decodeSecret('{"type":"string","value":1}')).toThrow(expect.objectContaining({ code: "STORE_CORRUPT" }));
  });
});

describe("secret references", () => {
  it("parses vault, name and field, decoding percent-escapes", () => {
    expect(parseSecretReference("secret://db")).toEqual({ vault: undefined, name: "db", field: undefined });
    expect(parseSecretReference("secret://kp/Group/Sub/Title#password")).toEqual({
      vault: "kp",
      name: "Group/Sub/Title",
      field: "password",
    });
    expect(parseSecretReference("secret://v/a%23b#c%20d")).toEqual({ vault: "v", name: "a#b", field: "c d" });
  });

  it("refuses incomplete or malformed references", () => {
    for (const bad of ["secret://", "secret:///x", "secret://v/", "secret://x#", "db", "secret://v/%zz"]) {
      expect(() => parseSecretReference(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });
});
