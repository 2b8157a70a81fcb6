/**
 * Builds test/vectors/sealed-v1.json straight from docs/FORMAT.md ("Sealed stores") with the raw
 * primitives and hand-laid bytes, independently of core/sealed.ts, so the vector test cross-checks
 * the implementation against the spec. Invalid vectors say which error code they must give.
 *
 *   npx deno run -A test/vectors/generate-sealed.ts > test/vectors/sealed-v1.json
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const text = new TextEncoder();
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const run = (start: number, length: number) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));

const key = run(0xa0, 32);
const nonce = run(0x30, 24);
const keyId = hmac(sha256, key, text.encode("secretmanagement sealed store key id v1")).subarray(0, 16);
const payload = {
  secrets: [
    { name: "api-token", type: "string", value: "tok-Ünïcödé-🔑", metadata: { env: "prod", rotated: { date: "2026-01-02T03:04:05.000Z" } } },
    { name: "Blob", type: "bytes", value: { bytes: "AAEC/f7/" }, metadata: {} },
    { name: "db", type: "credential", value: { username: "app", password: "p@ss" }, metadata: { port: 5432, primary: true } },
    { name: "cfg", type: "map", value: { host: "db.internal", cert: { bytes: "3q2+7w==" }, admin: { username: "root", password: "r" } }, metadata: {} },
  ],
};

function build(options: { keyId?: Uint8Array; version?: number; reserved?: number } = {}): Uint8Array {
  const header = cat(text.encode("SMSEALED"), Uint8Array.of(options.version ?? 1, options.reserved ?? 0, 0, 0), options.keyId ?? keyId, nonce);
  const body = cat(header, xchacha20poly1305(key, nonce, header).encrypt(text.encode(JSON.stringify(payload))));
  return cat(body, sha256(body).subarray(0, 16));
}

const valid = build();
const withChecksum = (body: Uint8Array) => cat(body, sha256(body).subarray(0, 16));
const flipped = valid.slice();
flipped[100]! ^= 0x01;
const forgedCiphertext = valid.slice(0, -16);
forgedCiphertext[forgedCiphertext.length - 1]! ^= 0x01;
const keyHex = `smsk1_${hex(key)}`;

console.log(JSON.stringify({
  description: "Sealed store v1 vectors, from docs/FORMAT.md. key opens every file; each invalid file must fail with `code`.",
  key: keyHex,
  valid: { bytes: hex(valid), secrets: payload.secrets },
  invalid: [
    { why: "one ciphertext bit flipped (checksum mismatch)", bytes: hex(flipped), key: keyHex, code: "STORE_CORRUPT" },
    { why: "cut short by one byte", bytes: hex(valid.subarray(0, valid.length - 1)), key: keyHex, code: "STORE_CORRUPT" },
    { why: "ciphertext altered and the checksum recomputed (authentication fails)", bytes: hex(withChecksum(forgedCiphertext)), key: keyHex, code: "STORE_CORRUPT" },
    { why: "version 2", bytes: hex(build({ version: 2 })), key: keyHex, code: "STORE_CORRUPT" },
    { why: "reserved byte set", bytes: hex(build({ reserved: 1 })), key: keyHex, code: "STORE_CORRUPT" },
    { why: "another key", bytes: hex(valid), key: `smsk1_${hex(run(0x01, 32))}`, code: "WRONG_PASSWORD" },
    { why: "a key that is not a sealed store key", bytes: hex(valid), key: "correct horse battery staple", code: "WRONG_PASSWORD" },
    { why: "not a sealed store", bytes: hex(text.encode("SQLite format 3\u0000".padEnd(120, "x"))), key: keyHex, code: "STORE_CORRUPT" },
  ],
}, null, 2));
