/**
 * Sealed stores: read-only, encrypted snapshots of secrets for functions and workers, keyed by a
 * random 256-bit key instead of a password, so opening one needs no KDF (workerd cannot compile the
 * WebAssembly Argon2 runs on) and costs one XChaCha20-Poly1305 open. docs/FORMAT.md, "Sealed stores",
 * specifies the bytes; test/vectors/sealed-v1.json has vectors, invalid ones included.
 *
 * A wrong key must be told apart from altered bytes (WRONG_PASSWORD for the first, STORE_CORRUPT for
 * the second, never a value): the file ends with an unkeyed SHA-256 checksum of what precedes it, so
 * any damage is found first, and the header carries a key id (an HMAC of a fixed label under the key)
 * compared next. Neither is what protects the contents: that is the AEAD, whose associated data is
 * the header.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { hmacSha256, NONCE_LENGTH, open, seal, TAG_LENGTH } from "./crypto/aead.ts";
import { concatBytes, constantTimeEqual, fromHex, randomBytes, toHex } from "./crypto/bytes.ts";
import { metadataFromJson, metadataToJson, secretFromJson, secretToJson } from "./envelope.ts";
import { SecretManagementError, secretNotFound, storeCorrupt } from "./errors.ts";
import { type JsonValue, type Metadata, type SecretInfo, SECRET_TYPES, type SecretType, type SecretValue } from "./types.ts";
import { compileWildcard } from "./wildcard.ts";

/** "SMSEALED": the first 8 bytes of every sealed store. */
export const SEALED_MAGIC = new Uint8Array([0x53, 0x4d, 0x53, 0x45, 0x41, 0x4c, 0x45, 0x44]);
export const SEALED_VERSION = 1;
const KEY_ID_LENGTH = 16;
/** magic (8) | version (1) | reserved, zero (3) | key id (16) | nonce (24) */
export const SEALED_HEADER_LENGTH = 8 + 1 + 3 + KEY_ID_LENGTH + NONCE_LENGTH;
/** The first 16 bytes of SHA-256 over everything before it. */
const CHECKSUM_LENGTH = 16;
const KEY_PREFIX = "smsk1_";
const KEY_LENGTH = 32;
const KEY_ID_LABEL = new TextEncoder().encode("secretmanagement sealed store key id v1");

export interface SealedSecret {
  name: string;
  value: SecretValue;
  metadata?: Metadata;
}

export interface SealedStore {
  /** The value of `name` (case-insensitive); SECRET_NOT_FOUND when the snapshot has no such secret. */
  get(name: string): Promise<SecretValue>;
  /** Names, types and metadata of the secrets matching a wildcard filter (`*`, `?`). */
  info(filter?: string): Promise<SecretInfo[]>;
}

interface Entry {
  name: string;
  type: SecretType;
  value: JsonValue;
  metadata: Metadata;
}

function corrupt(why: string): SecretManagementError {
  return storeCorrupt("the sealed store", why);
}

function keyId(key: Uint8Array): Uint8Array {
  return hmacSha256(key, KEY_ID_LABEL).subarray(0, KEY_ID_LENGTH);
}

/** The key as the CLI prints it: `smsk1_` and 64 hex digits. */
export function formatSealedKey(key: Uint8Array): string {
  return KEY_PREFIX + toHex(key);
}

function parseSealedKey(text: string): Uint8Array {
  const hex = text.trim();
  if (!hex.startsWith(KEY_PREFIX) || hex.length !== KEY_PREFIX.length + 2 * KEY_LENGTH || !/^[0-9a-f]+$/.test(hex.slice(KEY_PREFIX.length))) {
    throw new SecretManagementError("WRONG_PASSWORD", `a sealed store key is "${KEY_PREFIX}" followed by 64 hex digits`);
  }
  return fromHex(hex.slice(KEY_PREFIX.length));
}

/** Seals `secrets` under a fresh random key (or the one given); the key text is what openSealedStore takes. */
export function sealSecrets(secrets: readonly SealedSecret[], key: Uint8Array = randomBytes(KEY_LENGTH)): { bytes: Uint8Array; key: string } {
  if (key.length !== KEY_LENGTH) throw new SecretManagementError("INVALID_ARGUMENT", "a sealed store key is 32 bytes");
  const seen = new Set<string>();
  const entries = secrets.map(({ name, value, metadata }) => {
    const folded = name.toLowerCase();
    if (seen.has(folded)) throw new SecretManagementError("INVALID_ARGUMENT", `two secrets are named "${name}" (names are case-insensitive)`);
    seen.add(folded);
    const json = secretToJson(value);
    return { name, type: json.type, value: json.value, metadata: metadataToJson(metadata ?? {}) };
  });
  const header = new Uint8Array(SEALED_HEADER_LENGTH);
  header.set(SEALED_MAGIC, 0);
  header[8] = SEALED_VERSION;
  header.set(keyId(key), 12);
  header.set(randomBytes(NONCE_LENGTH), 12 + KEY_ID_LENGTH);
  const plaintext = new TextEncoder().encode(JSON.stringify({ secrets: entries }));
  const body = concatBytes(header, seal(key, header.subarray(12 + KEY_ID_LENGTH), plaintext, header));
  return { bytes: concatBytes(body, sha256(body).subarray(0, CHECKSUM_LENGTH)), key: formatSealedKey(key) };
}

function toBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new SecretManagementError("INVALID_ARGUMENT", "a sealed store is a Uint8Array or an ArrayBuffer");
}

function parseEntries(plaintext: Uint8Array): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    throw corrupt("its contents are not JSON");
  }
  const list = (parsed as { secrets?: unknown } | null)?.secrets;
  if (!Array.isArray(list)) throw corrupt("it lists no secrets");
  return list.map((item: unknown) => {
    const { name, type, value, metadata } = (item ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || !SECRET_TYPES.includes(type as SecretType) || value === undefined) {
      throw corrupt("an entry lacks its name, type or value");
    }
    return { name, type: type as SecretType, value: value as JsonValue, metadata: metadataFromJson(metadata ?? {}) };
  });
}

/**
 * Opens a sealed store from its bytes and key. A wrong key throws WRONG_PASSWORD; bytes that were
 * altered, cut or are not a sealed store throw STORE_CORRUPT.
 */
export async function openSealedStore(input: Uint8Array | ArrayBuffer, key: string): Promise<SealedStore> {
  const bytes = toBytes(input);
  const keyBytes = parseSealedKey(key);
  if (bytes.length < SEALED_HEADER_LENGTH + TAG_LENGTH + CHECKSUM_LENGTH) throw corrupt("it is too short");
  if (!constantTimeEqual(bytes.subarray(0, 8), SEALED_MAGIC)) throw corrupt("it does not start with SMSEALED");
  const body = bytes.subarray(0, bytes.length - CHECKSUM_LENGTH);
  if (!constantTimeEqual(sha256(body).subarray(0, CHECKSUM_LENGTH), bytes.subarray(body.length))) {
    throw corrupt("its checksum does not match (the file was altered or cut)");
  }
  if (bytes[8] !== SEALED_VERSION) throw corrupt(`version ${bytes[8]} is not one this library reads`);
  if (bytes[9] !== 0 || bytes[10] !== 0 || bytes[11] !== 0) throw corrupt("reserved header bytes are not zero");
  if (!constantTimeEqual(bytes.subarray(12, 12 + KEY_ID_LENGTH), keyId(keyBytes))) {
    throw new SecretManagementError("WRONG_PASSWORD", "this key does not open this sealed store");
  }
  const header = bytes.subarray(0, SEALED_HEADER_LENGTH);
  const plaintext = open(keyBytes, header.subarray(12 + KEY_ID_LENGTH), body.subarray(SEALED_HEADER_LENGTH), header);
  if (plaintext === undefined) throw corrupt("its bytes were altered (authentication failed)");
  const byName = new Map<string, Entry>();
  for (const entry of parseEntries(plaintext)) byName.set(entry.name.toLowerCase(), entry);
  plaintext.fill(0);
  keyBytes.fill(0);
  return {
    async get(name) {
      const entry = byName.get(name.toLowerCase());
      if (entry === undefined) throw secretNotFound(name, { where: "in the sealed store" });
      return secretFromJson(entry.type, entry.value);
    },
    async info(filter = "*") {
      const matches = compileWildcard(filter);
      return [...byName.values()]
        .filter((entry) => matches(entry.name))
        .map((entry) => ({ name: entry.name, type: entry.type, vault: "sealed", metadata: { ...entry.metadata } }));
    },
  };
}
