/**
 * Builds test/vectors/store-v1.json straight from docs/FORMAT.md with the raw primitives (hash-wasm
 * Argon2id, @noble XChaCha20-Poly1305 and HMAC-SHA-256) and hand-laid bytes, independently of
 * core/store/format.ts, so the vector test cross-checks the engine against the spec.
 *
 *   npx deno run -A test/vectors/generate.ts > test/vectors/store-v1.json
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { argon2id } from "hash-wasm";

const text = new TextEncoder();
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const run = (start: number, length: number) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
const u32 = (value: number) => Uint8Array.of(value >>> 24, value >>> 16, value >>> 8, value);
const u64 = (value: number) => new Uint8Array([...u32(Math.floor(value / 2 ** 32)), ...u32(value >>> 0)]);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const password = "correct horse battery staple";
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const salt = run(0x00, 16);
const storeId = run(0x10, 16);
const dataKey = run(0x20, 32);
const wrapNonce = run(0x40, 24);

const kek = await argon2id({
  password: text.encode(password.normalize("NFC")),
  salt,
  memorySize: kdf.memoryKiB,
  iterations: kdf.iterations,
  parallelism: kdf.parallelism,
  hashLength: 32,
  outputType: "binary",
});
const subkey = (label: string) => hmac(sha256, dataKey, text.encode(`secretmanagement/store/v1/${label}`));
const recordKey = subkey("record");
const nameKey = subkey("name");
const headerKey = subkey("header");

// Header: magic, version, authentication=password, interaction=prompt, reserved, timeout 900, storeId,
// KDF block (algorithm 1, reserved, m, t, p), salt, wrap nonce, wrapped key, tag.
const headerStart = cat(
  text.encode("SMSTORE\0"),
  Uint8Array.of(1, 1, 1, 0),
  u32(900),
  storeId,
  Uint8Array.of(1, 0, 0, 0),
  u32(kdf.memoryKiB),
  u32(kdf.iterations),
  u32(kdf.parallelism),
  salt,
);
const wrappedKey = xchacha20poly1305(kek, wrapNonce, headerStart.subarray(16, 64)).encrypt(dataKey);
const headerTagged = cat(headerStart, wrapNonce, wrappedKey);
const header = cat(headerTagged, hmac(sha256, headerKey, headerTagged));

const generation = 1;
const prefixBody = cat(text.encode("SMSLOG\0\0"), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0), storeId, u64(generation));
const logPrefix = cat(prefixBody, u32(crc32(prefixBody)));

const records = [
  {
    kind: 1,
    name: "Database",
    payload: { name: "Database", type: "string", value: "s3cret", metadata: { env: "prod" } },
    nonce: run(0x60, 24),
  },
  {
    kind: 1,
    name: "api-key",
    payload: { name: "api-key", type: "bytes", value: { bytes: "AAEC/w==" }, metadata: {} },
    nonce: run(0x80, 24),
  },
  { kind: 2, name: "Database", payload: { name: "Database" }, nonce: run(0xa0, 24) },
];

let offset = logPrefix.length;
const frames = records.map((record, index) => {
  const plaintext = text.encode(JSON.stringify(record.payload));
  const nameHash = hmac(sha256, nameKey, text.encode(record.name.toLowerCase())).subarray(0, 16);
  const checked = cat(u32(plaintext.length + 16), Uint8Array.of(record.kind, 0, 0, 0), u64(index + 1), nameHash, record.nonce);
  const frameHeader = cat(checked, u32(crc32(checked)));
  const associatedData = cat(storeId, u64(generation), u64(offset), checked);
  const sealed = xchacha20poly1305(recordKey, record.nonce, associatedData).encrypt(plaintext);
  const frame = cat(frameHeader, sealed);
  const result = {
    offset,
    kind: record.kind,
    name: record.name,
    nonce: hex(record.nonce),
    nameHash: hex(nameHash),
    plaintext: new TextDecoder().decode(plaintext),
    associatedData: hex(associatedData),
    frame: hex(frame),
  };
  offset += frame.length;
  return { result, bytes: frame };
});
const log = cat(logPrefix, ...frames.map((frame) => frame.bytes));

// Invalid files that a reader must refuse.
const tamperedTag = log.slice();
tamperedTag[log.length - 1]! ^= 0x01;
const [first, second, third] = frames.map((frame) => frame.bytes) as [Uint8Array, Uint8Array, Uint8Array];
const swapped = cat(logPrefix, second, first, third);
const duplicated = cat(log, third);
const outOfBounds = (at: number, value: number) => {
  const bytes = header.slice();
  bytes.set(u32(value), at);
  return hex(bytes);
};

console.log(JSON.stringify(
  {
    description: "SecretStore format version 1 (docs/FORMAT.md). Hex strings; every input is fixed so the output is exact.",
    inputs: {
      password,
      kdf,
      salt: hex(salt),
      storeId: hex(storeId),
      dataKey: hex(dataKey),
      wrapNonce: hex(wrapNonce),
      config: { authentication: "password", passwordTimeout: 900, interaction: "prompt" },
      generation,
    },
    derived: {
      keyEncryptionKey: hex(kek),
      recordKey: hex(recordKey),
      nameKey: hex(nameKey),
      headerKey: hex(headerKey),
    },
    header: hex(header),
    logPrefix: hex(logPrefix),
    records: frames.map((frame) => frame.result),
    log: hex(log),
    live: { "api-key": { type: "bytes", valueBase64: "AAEC/w==", metadata: {} } },
    invalid: [
      { description: "last record's tag flipped", file: "log", bytes: hex(tamperedTag), error: "STORE_CORRUPT" },
      { description: "records 1 and 2 swapped", file: "log", bytes: hex(swapped), error: "STORE_CORRUPT" },
      { description: "record 3 repeated", file: "log", bytes: hex(duplicated), error: "STORE_CORRUPT" },
      { description: "KDF memory 4 GiB", file: "header", bytes: outOfBounds(36, 0xffffffff), error: "STORE_CORRUPT" },
      { description: "KDF memory 1 MiB", file: "header", bytes: outOfBounds(36, 1024), error: "STORE_CORRUPT" },
      { description: "KDF iterations 1", file: "header", bytes: outOfBounds(40, 1), error: "STORE_CORRUPT" },
      { description: "KDF parallelism 5", file: "header", bytes: outOfBounds(44, 5), error: "STORE_CORRUPT" },
      {
        description: "header tag flipped",
        file: "header",
        bytes: hex(cat(header.subarray(0, 167), Uint8Array.of(header[167]! ^ 1))),
        error: "STORE_CORRUPT",
      },
      {
        description: "wrapped key flipped (indistinguishable from a wrong password)",
        file: "header",
        bytes: hex(cat(header.subarray(0, 100), Uint8Array.of(header[100]! ^ 1), header.subarray(101))),
        error: "WRONG_PASSWORD",
      },
    ],
  },
  null,
  2,
));
