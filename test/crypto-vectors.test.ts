/**
 * core/crypto at its edges: published vectors (HChaCha20 of draft-irtf-cfrg-xchacha-03 §2.2.1,
 * HMAC-SHA-256 of RFC 4231), AEAD inputs that must not open (wrong tag, key, nonce, associated data,
 * truncated), the byte helpers at their boundaries, and the Argon2id parameter bounds with their
 * messages. These pin down what the mutation run (`npm run mutation`) changes in core/crypto.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { hmacSha256, KeyedHash, NONCE_LENGTH, open, seal, TAG_LENGTH, xchachaOver } from "../core/crypto/aead.ts";
import {
  concatBytes,
  constantTimeEqual,
  fromHex,
  joinBytes,
  randomBytes,
  readU32,
  readU64,
  toHex,
  writeU32,
  writeU64,
  zeroize,
} from "../core/crypto/bytes.ts";
import {
  argon2idNoble,
  checkKdfParams,
  DEFAULT_KDF,
  derivePasswordKey,
  kdfParamsProblem,
  MAX_KDF,
  MIN_KDF,
  passwordBytes,
} from "../core/crypto/kdf.ts";
import type { Aead } from "../core/runtime.ts";

const ascending = (length: number, from = 0) => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);

describe("XChaCha20-Poly1305 over a 12-byte-nonce AEAD", () => {
  /** An inner AEAD that records the subkey and nonce it is handed (copies: the subkey is zeroed afterwards). */
  function recordingAead(): Aead & { calls: { key: string; nonce: string }[] } {
    const calls: { key: string; nonce: string }[] = [];
    return {
      calls,
      seal: (key, nonce, plaintext) => {
        calls.push({ key: toHex(key), nonce: toHex(nonce) });
        return plaintext.slice();
      },
      open: (key, nonce, sealed) => {
        calls.push({ key: toHex(key), nonce: toHex(nonce) });
        return sealed.slice();
      },
    };
  }

  it("derives the HChaCha20 subkey of draft-irtf-cfrg-xchacha-03 §2.2.1 and the inner nonce 0000 || nonce[16..24]", () => {
    const inner = recordingAead();
    const key = ascending(32);
    const nonce = concatBytes(fromHex("000000090000004a0000000031415927"), ascending(8, 0xa0));
    const xchacha = xchachaOver(inner);
    xchacha.seal(key, nonce, new Uint8Array(3), new Uint8Array());
    xchacha.open(key, nonce, new Uint8Array(3), new Uint8Array());
    const expected = {
      key: "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
      nonce: "00000000a0a1a2a3a4a5a6a7",
    };
    expect(inner.calls).toEqual([expected, expected]);
  });

  it("zeroes the subkey after use and leaves the caller's key and nonce as they were", () => {
    let subkey: Uint8Array | undefined;
    const xchacha = xchachaOver({
      seal: (key, _nonce, plaintext) => {
        subkey = key;
        return plaintext;
      },
      open: () => undefined,
    });
    const key = ascending(32, 1);
    const nonce = ascending(24, 2);
    xchacha.seal(key, nonce, new Uint8Array(1), new Uint8Array());
    expect(subkey).toEqual(new Uint8Array(32));
    expect(key).toEqual(ascending(32, 1));
    expect(nonce).toEqual(ascending(24, 2));
  });

  it("zeroes the subkey when the inner AEAD throws, and passes the error on", () => {
    let subkey: Uint8Array | undefined;
    const failure = new Error("inner failure");
    const xchacha = xchachaOver({
      seal: () => {
        throw failure;
      },
      open: (key) => {
        subkey = key;
        throw failure;
      },
    });
    expect(() => xchacha.open(ascending(32), ascending(24), new Uint8Array(16), new Uint8Array())).toThrow(failure);
    expect(subkey).toEqual(new Uint8Array(32));
  });

  describe("open refuses what was not sealed exactly so", () => {
    const key = ascending(32, 0x80);
    const nonce = ascending(24, 0x40);
    const ad = fromHex("50515253c0c1c2c3");
    const plaintext = new TextEncoder().encode("attack at dawn");
    const sealed = seal(key, nonce, plaintext, ad);

    it("appends a 16-byte tag; an empty plaintext seals to the tag alone and opens", () => {
      expect(NONCE_LENGTH).toBe(24);
      expect(TAG_LENGTH).toBe(16);
      expect(sealed.length).toBe(plaintext.length + TAG_LENGTH);
      const empty = seal(key, nonce, new Uint8Array(), ad);
      expect(empty.length).toBe(TAG_LENGTH);
      expect(open(key, nonce, empty, ad)).toEqual(new Uint8Array());
      expect(open(key, nonce, sealed, ad)).toEqual(plaintext);
    });

    it("every bit of the ciphertext or tag flipped", () => {
      for (let at = 0; at < sealed.length; at++) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = sealed.slice();
          bad[at]! ^= 1 << bit;
          expect(open(key, nonce, bad, ad)).toBeUndefined();
        }
      }
    });

    it("a wrong key, nonce byte or associated data", () => {
      for (let at = 0; at < 32; at++) {
        const wrong = key.slice();
        wrong[at]! ^= 1;
        expect(open(wrong, nonce, sealed, ad)).toBeUndefined();
      }
      for (let at = 0; at < NONCE_LENGTH; at++) {
        const wrong = nonce.slice();
        wrong[at]! ^= 1;
        expect(open(key, wrong, sealed, ad)).toBeUndefined();
      }
      expect(open(key, nonce, sealed, ad.subarray(1))).toBeUndefined();
      expect(open(key, nonce, sealed, new Uint8Array())).toBeUndefined();
    });

    it("truncated to every length, and a wrong nonce or key length, without throwing", () => {
      for (let length = 0; length < sealed.length; length++) expect(open(key, nonce, sealed.subarray(0, length), ad)).toBeUndefined();
      expect(open(key, nonce.subarray(0, 12), sealed, ad)).toBeUndefined();
      expect(open(key, concatBytes(nonce, new Uint8Array(1)), sealed, ad)).toBeUndefined();
      expect(open(key.subarray(0, 16), nonce, sealed, ad)).toBeUndefined();
    });

    it("over a platform AEAD the same inputs do not open either", () => {
      const opened: Uint8Array[] = [];
      const platform = xchachaOver({
        seal: (k, n, p, a) => seal(k, concatBytes(new Uint8Array(12), n), p, a),
        open: (k, n, s, a) => {
          const result = open(k, concatBytes(new Uint8Array(12), n), s, a);
          if (result) opened.push(result);
          return result;
        },
      });
      expect(platform.open(key, nonce, platform.seal(key, nonce, plaintext, ad), ad)).toEqual(plaintext);
      const bad = sealed.slice();
      bad[0]! ^= 1;
      expect(platform.open(key, nonce, bad, ad)).toBeUndefined();
      expect(opened).toHaveLength(1);
    });
  });
});

describe("HMAC-SHA-256", () => {
  // RFC 4231 test cases 1 and 2.
  const cases = [
    { key: new Uint8Array(20).fill(0x0b), data: "Hi There", mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
    { key: new TextEncoder().encode("Jefe"), data: "what do ya want for nothing?", mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
  ];

  it("matches RFC 4231, one-shot and keyed", () => {
    for (const { key, data, mac } of cases) {
      expect(toHex(hmacSha256(key, new TextEncoder().encode(data)))).toBe(mac);
      const keyed = new KeyedHash(key);
      expect(toHex(keyed.digest(new TextEncoder().encode(data)))).toBe(mac);
    }
  });

  it("a keyed hash gives each message its own digest, as a copy that later digests leave alone", () => {
    const key = ascending(32);
    const keyed = new KeyedHash(key);
    const first = keyed.digest(new TextEncoder().encode("first"));
    const second = keyed.digest(new TextEncoder().encode("second"));
    expect(first.length).toBe(32);
    expect(toHex(first)).toBe(toHex(hmacSha256(key, new TextEncoder().encode("first"))));
    expect(toHex(second)).toBe(toHex(hmacSha256(key, new TextEncoder().encode("second"))));
    expect(toHex(keyed.digest(new TextEncoder().encode("first")))).toBe(toHex(first));
    keyed.destroy();
    expect(() => keyed.digest(new TextEncoder().encode("first"))).toThrow("destroyed");
  });
});

describe("byte helpers", () => {
  it("joins any number of parts in order", () => {
    expect(concatBytes()).toEqual(new Uint8Array());
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
    expect(joinBytes([Uint8Array.of(4, 5), Uint8Array.of(6)])).toEqual(Uint8Array.of(4, 5, 6));
  });

  it("compares equal only for the same length and every byte the same", () => {
    const a = ascending(20);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    expect(constantTimeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
    expect(constantTimeEqual(a, a.subarray(0, 19))).toBe(false);
    expect(constantTimeEqual(a.subarray(0, 19), a)).toBe(false);
    for (let at = 0; at < a.length; at++) {
      for (const bit of [0x01, 0x80]) {
        const b = a.slice();
        b[at]! ^= bit;
        expect(constantTimeEqual(a, b)).toBe(false);
      }
    }
  });

  it("zeroes every buffer given, skipping undefined", () => {
    const a = ascending(8, 1);
    const b = ascending(3, 9);
    zeroize(a, undefined, b);
    expect(a).toEqual(new Uint8Array(8));
    expect(b).toEqual(new Uint8Array(3));
  });

  it("random bytes have the length asked for and differ between calls", () => {
    expect(randomBytes(0)).toEqual(new Uint8Array());
    const a = randomBytes(32);
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(randomBytes(32)));
  });

  it("writes and reads big-endian integers at an offset, at their limits", () => {
    const out = new Uint8Array(14).fill(0xee);
    writeU32(out, 1, 0x01020304);
    expect(toHex(out)).toBe("ee01020304eeeeeeeeeeeeeeeeee");
    expect(readU32(out, 1)).toBe(0x01020304);
    writeU32(out, 1, 0xffffffff);
    expect(readU32(out, 1)).toBe(0xffffffff);
    writeU32(out, 1, 0x80000000);
    expect(toHex(out.subarray(1, 5))).toBe("80000000");
    expect(readU32(out, 1)).toBe(0x80000000);
    for (const value of [0, 1, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0x0102_0304_0506, Number.MAX_SAFE_INTEGER]) {
      out.fill(0xee);
      writeU64(out, 5, value);
      expect(readU64(out, 5)).toBe(value);
      expect(out[4]).toBe(0xee);
      expect(out[13]).toBe(0xee);
    }
    writeU64(out, 5, 0x0102_0304_0506);
    expect(toHex(out.subarray(5, 13))).toBe("0000010203040506");
    writeU64(out, 5, Number.MAX_SAFE_INTEGER);
    expect(toHex(out.subarray(5, 13))).toBe("001fffffffffffff");
  });

  it("hex round-trips and refuses what is not hex", () => {
    expect(toHex(Uint8Array.of(0, 1, 0x0f, 0x10, 0xab, 0xff))).toBe("00010f10abff");
    expect(fromHex("00010f10ABff")).toEqual(Uint8Array.of(0, 1, 0x0f, 0x10, 0xab, 0xff));
    expect(fromHex("")).toEqual(new Uint8Array());
    for (const bad of ["0", "abc", "0g", "g0", " 00", "00 ", "0x00"]) expect(() => fromHex(bad)).toThrow("not a hex string");
  });
});

describe("Argon2id parameters", () => {
  afterEach(() => {
    vi.doUnmock("hash-wasm");
    vi.resetModules();
  });

  it("accepts the floor, the cap and the default; names the field and its range otherwise", () => {
    expect(kdfParamsProblem(MIN_KDF)).toBeUndefined();
    expect(kdfParamsProblem(MAX_KDF)).toBeUndefined();
    expect(kdfParamsProblem(DEFAULT_KDF)).toBeUndefined();
    expect(MIN_KDF).toEqual({ memoryKiB: 19456, iterations: 2, parallelism: 1 });
    expect(MAX_KDF).toEqual({ memoryKiB: 1048576, iterations: 10, parallelism: 4 });
    expect(DEFAULT_KDF).toEqual({ memoryKiB: 65536, iterations: 3, parallelism: 1 });
    const fields = ["memoryKiB", "iterations", "parallelism"] as const;
    for (const field of fields) {
      const range = `KDF ${field} must be an integer from ${MIN_KDF[field]} to ${MAX_KDF[field]}`;
      expect(kdfParamsProblem({ ...MIN_KDF, [field]: MIN_KDF[field] - 1 })).toBe(range);
      expect(kdfParamsProblem({ ...MAX_KDF, [field]: MAX_KDF[field] + 1 })).toBe(range);
      expect(kdfParamsProblem({ ...MIN_KDF, [field]: MIN_KDF[field] + 0.5 })).toBe(range);
      expect(kdfParamsProblem({ ...MIN_KDF, [field]: Number.NaN })).toBe(range);
      expect(kdfParamsProblem({ ...MIN_KDF, [field]: MAX_KDF[field] })).toBeUndefined();
      expect(kdfParamsProblem({ ...MAX_KDF, [field]: MIN_KDF[field] })).toBeUndefined();
    }
  });

  it("checkKdfParams throws the problem with the code asked for", () => {
    expect(() => checkKdfParams(MIN_KDF, "INVALID_ARGUMENT")).not.toThrow();
    const tooFew = { ...MIN_KDF, iterations: 1 };
    for (const code of ["INVALID_ARGUMENT", "STORE_CORRUPT"] as const) {
      expect(() => checkKdfParams(tooFew, code)).toThrow(
        expect.objectContaining({ code, message: "KDF iterations must be an integer from 2 to 10" }),
      );
    }
  });

  it("a password is its NFC UTF-8 bytes", () => {
    expect(toHex(passwordBytes("e\u0301"))).toBe("c3a9");
    expect(toHex(passwordBytes("\u00e9"))).toBe("c3a9");
    expect(toHex(passwordBytes("ab"))).toBe("6162");
  });

  it("derives the 32 bytes of Argon2id over the password's NFC bytes", async () => {
    const salt = ascending(16);
    const key = await derivePasswordKey("e\u0301", salt, MIN_KDF);
    expect(key.length).toBe(32);
    expect(toHex(key)).toBe(toHex(await argon2idNoble(Uint8Array.of(0xc3, 0xa9), salt, MIN_KDF)));
  });

  it("refuses out-of-bounds parameters as STORE_CORRUPT before any work", async () => {
    await expect(derivePasswordKey("pw", ascending(16), { ...MAX_KDF, memoryKiB: MAX_KDF.memoryKiB * 4 })).rejects.toMatchObject({
      code: "STORE_CORRUPT",
      message: "KDF memoryKiB must be an integer from 19456 to 1048576",
    });
  });

  it("falls back to the pure-JavaScript Argon2id where WebAssembly cannot be compiled, and stays there", async () => {
    const wasmCalls: string[] = [];
    const passwords: Uint8Array[] = [];
    vi.doMock("hash-wasm", () => ({
      argon2id: ({ password }: { password: Uint8Array }) => {
        wasmCalls.push("argon2id");
        passwords.push(password);
        throw new WebAssembly.CompileError("code generation disallowed by embedder");
      },
    }));
    vi.resetModules();
    const kdf = await import("../core/crypto/kdf.ts");
    const salt = ascending(16);
    const expected = toHex(await argon2idNoble(passwordBytes("pw"), salt, MIN_KDF));
    expect(toHex(await kdf.derivePasswordKey("pw", salt, MIN_KDF))).toBe(expected);
    expect(toHex(await kdf.derivePasswordKey("pw", salt, MIN_KDF))).toBe(expected);
    expect(wasmCalls).toEqual(["argon2id"]);
    // The bounds of the module as loaded here, too.
    expect([kdf.MIN_KDF, kdf.DEFAULT_KDF, kdf.MAX_KDF]).toEqual([MIN_KDF, DEFAULT_KDF, MAX_KDF]);
    // The password's bytes are zeroed once derived.
    expect(passwords[0]).toEqual(new Uint8Array(2));
  });

  it("passes on a thrown null unchanged", async () => {
    vi.doMock("hash-wasm", () => ({
      argon2id: () => {
        throw null;
      },
    }));
    vi.resetModules();
    const kdf = await import("../core/crypto/kdf.ts");
    await expect(kdf.derivePasswordKey("pw", ascending(16), MIN_KDF)).rejects.toBeNull();
  });

  it("passes on a WebAssembly failure that is not about compiling", async () => {
    vi.doMock("hash-wasm", () => ({
      argon2id: () => {
        throw new RangeError("out of memory");
      },
    }));
    vi.resetModules();
    const kdf = await import("../core/crypto/kdf.ts");
    await expect(kdf.derivePasswordKey("pw", ascending(16), MIN_KDF)).rejects.toThrow("out of memory");
  });

  it("treats a LinkError, and any failure whose message names wasm, as a compile failure", async () => {
    const salt = ascending(16);
    const expected = toHex(await argon2idNoble(passwordBytes("pw"), salt, MIN_KDF));
    for (const failure of [new WebAssembly.LinkError("import missing"), new Error("wasm streaming compile failed"), "WebAssembly is disabled"]) {
      vi.doMock("hash-wasm", () => ({
        argon2id: () => {
          throw failure;
        },
      }));
      vi.resetModules();
      const kdf = await import("../core/crypto/kdf.ts");
      expect(toHex(await kdf.derivePasswordKey("pw", salt, MIN_KDF))).toBe(expected);
    }
  });
});
