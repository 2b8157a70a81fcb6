/**
 * The SecretStore file format (docs/FORMAT.md is the normative description): the header file, the
 * key file of no-password mode, the log file and its record frames. Pure functions over bytes, so
 * the test vectors exercise exactly what the engine writes.
 */
import { NONCE_LENGTH, open, seal, TAG_LENGTH } from "../crypto/aead.ts";
import { concatBytes, crc32, readU32, readU64, writeU32, writeU64 } from "../crypto/bytes.ts";
import { KEY_LENGTH, type KdfParams, SALT_LENGTH } from "../crypto/kdf.ts";
import { type SecretManagementError, storeCorrupt } from "../errors.ts";

const encoder = new TextEncoder();

export const FORMAT_VERSION = 1;
export const STORE_ID_LENGTH = 16;
export const NAME_HASH_LENGTH = 16;

export const HEADER_MAGIC = encoder.encode("SMSTORE\0");
export const LOG_MAGIC = encoder.encode("SMSLOG\0\0");
export const KEY_FILE_MAGIC = encoder.encode("SMSKEY\0\0");

export type Authentication = "password" | "none";
export type Interaction = "prompt" | "none";

export interface StoreConfig {
  authentication: Authentication;
  /** Seconds the key stays in memory after unlock; 0 = one operation; -1 = until the process exits. */
  passwordTimeout: number;
  interaction: Interaction;
}

export const DEFAULT_CONFIG: Readonly<StoreConfig> = {
  authentication: "password",
  passwordTimeout: 900,
  interaction: "prompt",
};

/** STORE_CORRUPT from the catalogue: `the SecretStore is damaged: <why>`. */
export function corrupt(why: string): SecretManagementError {
  return storeCorrupt("the SecretStore", why);
}

// ---------------------------------------------------------------------------------------------
// `store.header` (168 bytes)

export const HEADER_LENGTH = 168;
/** Byte offsets of the header fields (docs/FORMAT.md, `store.header`). */
const HEADER_AT = {
  magic: 0,
  version: 8,
  authentication: 9,
  interaction: 10,
  reserved: 11,
  passwordTimeout: 12,
  storeId: 16,
  kdfAlgorithm: 32,
  kdfReserved: 33,
  memoryKiB: 36,
  iterations: 40,
  parallelism: 44,
  salt: 48,
  wrapNonce: 64,
  wrappedKey: 88,
  /** The tag covers every byte before it. */
  tag: 136,
} as const;
const AUTHENTICATION_BYTE = { password: 1, none: 2 } as const;
const INTERACTION_BYTE = { prompt: 1, none: 2 } as const;
const KDF_ARGON2ID = 1;
/** The wrapped data key: the data key sealed with its AEAD tag. */
export const WRAPPED_KEY_LENGTH = KEY_LENGTH + TAG_LENGTH;

export interface Header {
  config: StoreConfig;
  storeId: Uint8Array;
  /** Absent in no-password mode. */
  kdf: KdfParams | undefined;
  salt: Uint8Array;
  wrapNonce: Uint8Array;
  wrappedKey: Uint8Array;
  /** HMAC-SHA-256 over the bytes before it under the header subkey of the data key. */
  tag: Uint8Array;
  /** The encoded header, for the tag check. */
  bytes: Uint8Array;
}

/** The bytes that bind a wrapped data key to its store and KDF: storeId, KDF block and salt (16..63). */
export function wrapAssociatedData(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(HEADER_AT.storeId, HEADER_AT.wrapNonce);
}

/** Encodes a header with a zero tag; `setHeaderTag` fills it in. */
export function encodeHeaderBody(header: Omit<Header, "tag" | "bytes">): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  out.set(HEADER_MAGIC, HEADER_AT.magic);
  out[HEADER_AT.version] = FORMAT_VERSION;
  out[HEADER_AT.authentication] = AUTHENTICATION_BYTE[header.config.authentication];
  out[HEADER_AT.interaction] = INTERACTION_BYTE[header.config.interaction];
  new DataView(out.buffer).setInt32(HEADER_AT.passwordTimeout, header.config.passwordTimeout, false);
  out.set(header.storeId, HEADER_AT.storeId);
  if (header.kdf) {
    out[HEADER_AT.kdfAlgorithm] = KDF_ARGON2ID;
    writeU32(out, HEADER_AT.memoryKiB, header.kdf.memoryKiB);
    writeU32(out, HEADER_AT.iterations, header.kdf.iterations);
    writeU32(out, HEADER_AT.parallelism, header.kdf.parallelism);
  }
  out.set(header.salt, HEADER_AT.salt);
  out.set(header.wrapNonce, HEADER_AT.wrapNonce);
  out.set(header.wrappedKey, HEADER_AT.wrappedKey);
  return out;
}

/** A no-password header with a zero tag: bytes 32..135 (KDF, salt, nonce, wrapped key) stay zero. */
export function encodeNoPasswordHeaderBody(config: StoreConfig, storeId: Uint8Array): Uint8Array {
  return encodeHeaderBody({
    config,
    storeId,
    kdf: undefined,
    salt: new Uint8Array(SALT_LENGTH),
    wrapNonce: new Uint8Array(NONCE_LENGTH),
    wrappedKey: new Uint8Array(WRAPPED_KEY_LENGTH),
  });
}

/** A password header with a zero wrapped key and tag: `setWrappedKey`, then `setHeaderTag`, fill them in. */
export function encodePasswordHeaderBody(
  config: StoreConfig,
  storeId: Uint8Array,
  kdf: KdfParams,
  salt: Uint8Array,
  wrapNonce: Uint8Array,
): Uint8Array {
  return encodeHeaderBody({ config, storeId, kdf, salt, wrapNonce, wrappedKey: new Uint8Array(WRAPPED_KEY_LENGTH) });
}

export function setWrappedKey(bytes: Uint8Array, wrappedKey: Uint8Array): void {
  bytes.set(wrappedKey, HEADER_AT.wrappedKey);
}

export function setHeaderTag(bytes: Uint8Array, tag: Uint8Array): void {
  bytes.set(tag, HEADER_AT.tag);
}

export function headerTaggedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, HEADER_AT.tag);
}

/** Parses the header; STORE_CORRUPT names what is wrong. KDF bounds are checked by the caller. */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_LENGTH) throw corrupt(`the header is ${bytes.length} bytes, not ${HEADER_LENGTH}`);
  if (!startsWith(bytes, HEADER_MAGIC)) throw corrupt("the header is not a SecretStore header");
  const version = bytes[HEADER_AT.version];
  if (version !== FORMAT_VERSION) throw corrupt(`unknown format version ${version}`);
  const authentication = byteName(AUTHENTICATION_BYTE, bytes[HEADER_AT.authentication]);
  const interaction = byteName(INTERACTION_BYTE, bytes[HEADER_AT.interaction]);
  if (!authentication || !interaction || bytes[HEADER_AT.reserved] !== 0) throw corrupt("invalid configuration bytes");
  const passwordTimeout = new DataView(bytes.buffer, bytes.byteOffset).getInt32(HEADER_AT.passwordTimeout, false);
  if (passwordTimeout < -1) throw corrupt("invalid password timeout");
  if (bytes.subarray(HEADER_AT.kdfReserved, HEADER_AT.memoryKiB).some((b) => b !== 0)) throw corrupt("invalid KDF bytes");
  let kdf: KdfParams | undefined;
  if (authentication === "password") {
    if (bytes[HEADER_AT.kdfAlgorithm] !== KDF_ARGON2ID) throw corrupt("unknown KDF algorithm");
    kdf = {
      memoryKiB: readU32(bytes, HEADER_AT.memoryKiB),
      iterations: readU32(bytes, HEADER_AT.iterations),
      parallelism: readU32(bytes, HEADER_AT.parallelism),
    };
  } else if (bytes.subarray(HEADER_AT.kdfAlgorithm, HEADER_AT.tag).some((b) => b !== 0)) {
    throw corrupt("a no-password header carries KDF or key bytes");
  }
  return {
    config: { authentication, passwordTimeout, interaction },
    storeId: bytes.slice(HEADER_AT.storeId, HEADER_AT.storeId + STORE_ID_LENGTH),
    kdf,
    salt: bytes.slice(HEADER_AT.salt, HEADER_AT.salt + SALT_LENGTH),
    wrapNonce: bytes.slice(HEADER_AT.wrapNonce, HEADER_AT.wrapNonce + NONCE_LENGTH),
    wrappedKey: bytes.slice(HEADER_AT.wrappedKey, HEADER_AT.wrappedKey + WRAPPED_KEY_LENGTH),
    tag: bytes.slice(HEADER_AT.tag, HEADER_LENGTH),
    bytes: bytes.slice(),
  };
}

/** The name whose byte value is `byte` in a table such as AUTHENTICATION_BYTE, or undefined. */
function byteName<T extends string>(table: Readonly<Record<T, number>>, byte: number | undefined): T | undefined {
  return (Object.keys(table) as T[]).find((name) => table[name] === byte);
}

export function wrapDataKey(kek: Uint8Array, nonce: Uint8Array, dataKey: Uint8Array, headerBytes: Uint8Array): Uint8Array {
  return seal(kek, nonce, dataKey, wrapAssociatedData(headerBytes));
}

export function unwrapDataKey(kek: Uint8Array, header: Header): Uint8Array | undefined {
  return open(kek, header.wrapNonce, header.wrappedKey, wrapAssociatedData(header.bytes));
}

// ---------------------------------------------------------------------------------------------
// `store.key` (64 bytes, no-password mode)

export const KEY_FILE_LENGTH = 64;
const KEY_FILE_AT = { magic: 0, version: 8, storeId: 16, dataKey: 32 } as const;

export function encodeKeyFile(storeId: Uint8Array, dataKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_FILE_LENGTH);
  out.set(KEY_FILE_MAGIC, KEY_FILE_AT.magic);
  out[KEY_FILE_AT.version] = FORMAT_VERSION;
  out.set(storeId, KEY_FILE_AT.storeId);
  out.set(dataKey, KEY_FILE_AT.dataKey);
  return out;
}

export function decodeKeyFile(bytes: Uint8Array): { storeId: Uint8Array; dataKey: Uint8Array } {
  if (bytes.length !== KEY_FILE_LENGTH || !startsWith(bytes, KEY_FILE_MAGIC) || bytes[KEY_FILE_AT.version] !== FORMAT_VERSION) {
    throw corrupt("the key file is not a SecretStore key file");
  }
  return {
    storeId: bytes.slice(KEY_FILE_AT.storeId, KEY_FILE_AT.storeId + STORE_ID_LENGTH),
    dataKey: bytes.slice(KEY_FILE_AT.dataKey, KEY_FILE_AT.dataKey + KEY_LENGTH),
  };
}

// ---------------------------------------------------------------------------------------------
// `store.log`: Prefix (44 bytes)

export const LOG_PREFIX_LENGTH = 44;
const LOG_PREFIX_AT = { magic: 0, version: 8, reserved: 9, storeId: 16, generation: 32, crc: 40 } as const;

export interface LogPrefix {
  storeId: Uint8Array;
  generation: number;
}

export function encodeLogPrefix(prefix: LogPrefix): Uint8Array {
  const out = new Uint8Array(LOG_PREFIX_LENGTH);
  out.set(LOG_MAGIC, LOG_PREFIX_AT.magic);
  out[LOG_PREFIX_AT.version] = FORMAT_VERSION;
  out.set(prefix.storeId, LOG_PREFIX_AT.storeId);
  writeU64(out, LOG_PREFIX_AT.generation, prefix.generation);
  writeU32(out, LOG_PREFIX_AT.crc, crc32(out, 0, LOG_PREFIX_AT.crc));
  return out;
}

export function decodeLogPrefix(bytes: Uint8Array): LogPrefix {
  if (bytes.length < LOG_PREFIX_LENGTH) throw corrupt("the log file is shorter than its prefix");
  if (crc32(bytes, 0, LOG_PREFIX_AT.crc) !== readU32(bytes, LOG_PREFIX_AT.crc)) {
    throw corrupt("the log prefix checksum does not match");
  }
  if (!startsWith(bytes, LOG_MAGIC) || bytes[LOG_PREFIX_AT.version] !== FORMAT_VERSION) {
    throw corrupt("the log file is not a SecretStore log");
  }
  if (bytes.subarray(LOG_PREFIX_AT.reserved, LOG_PREFIX_AT.storeId).some((b) => b !== 0)) {
    throw corrupt("invalid log prefix bytes");
  }
  return {
    storeId: bytes.slice(LOG_PREFIX_AT.storeId, LOG_PREFIX_AT.storeId + STORE_ID_LENGTH),
    generation: readU64(bytes, LOG_PREFIX_AT.generation),
  };
}

// ---------------------------------------------------------------------------------------------
// `store.log`: Record frames, a 60-byte clear header (CRC-protected) and the sealed payload

export const FRAME_HEADER_LENGTH = 60;
/** Byte offsets of the clear frame header's fields, from the start of the frame. */
const FRAME_AT = { payloadLength: 0, kind: 4, reserved: 5, sequence: 8, nameHash: 16, nonce: 32, crc: 56 } as const;
/** Larger payloads are refused on write and treated as damage on read. */
export const MAX_PAYLOAD_LENGTH = 64 * 1024 * 1024;

export const KIND_PUT = 1;
export const KIND_DELETE = 2;
export type RecordKind = typeof KIND_PUT | typeof KIND_DELETE;

export interface FrameHeader {
  payloadLength: number;
  kind: RecordKind;
  sequence: number;
  nameHash: Uint8Array;
  nonce: Uint8Array;
}

export interface RecordPosition {
  storeId: Uint8Array;
  generation: number;
  /** Byte offset of the frame in the log file. */
  offset: number;
}

/** storeId (16) || generation (8) || frame offset (8) || frame header bytes 0..55. */
export function recordAssociatedData(position: RecordPosition, frame: Uint8Array): Uint8Array {
  const ad = new Uint8Array(STORE_ID_LENGTH + 8 + 8 + FRAME_AT.crc);
  ad.set(position.storeId, 0);
  writeU64(ad, STORE_ID_LENGTH, position.generation);
  writeU64(ad, STORE_ID_LENGTH + 8, position.offset);
  ad.set(frame.subarray(0, FRAME_AT.crc), STORE_ID_LENGTH + 16);
  return ad;
}

export function encodeFrameHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_LENGTH);
  writeU32(out, FRAME_AT.payloadLength, header.payloadLength);
  out[FRAME_AT.kind] = header.kind;
  writeU64(out, FRAME_AT.sequence, header.sequence);
  out.set(header.nameHash, FRAME_AT.nameHash);
  out.set(header.nonce, FRAME_AT.nonce);
  writeU32(out, FRAME_AT.crc, crc32(out, 0, FRAME_AT.crc));
  return out;
}

/** "short": fewer bytes than a frame header (a write cut short); "damaged": checksum or fields invalid. */
export type FrameHeaderStatus = "ok" | "short" | "damaged";

/** Whether a valid frame header starts at `offset`, allocation-free (the loader runs it once per record). */
export function frameHeaderStatus(bytes: Uint8Array, offset: number): FrameHeaderStatus {
  if (bytes.length - offset < FRAME_HEADER_LENGTH) return "short";
  if (crc32(bytes, offset, offset + FRAME_AT.crc) !== readU32(bytes, offset + FRAME_AT.crc)) return "damaged";
  const payloadLength = framePayloadLength(bytes, offset);
  const kind = frameKind(bytes, offset);
  const reserved = offset + FRAME_AT.reserved;
  if (
    (kind !== KIND_PUT && kind !== KIND_DELETE) || bytes[reserved] !== 0 || bytes[reserved + 1] !== 0 ||
    bytes[reserved + 2] !== 0 || payloadLength < TAG_LENGTH || payloadLength > MAX_PAYLOAD_LENGTH + TAG_LENGTH
  ) {
    return "damaged";
  }
  return "ok";
}

// Field accessors of the frame starting at `offset`, allocation-free. Check `frameHeaderStatus` first.

/** `L`: the length of the sealed payload that follows the clear header. */
export function framePayloadLength(bytes: Uint8Array, offset: number): number {
  return readU32(bytes, offset + FRAME_AT.payloadLength);
}

/** The kind byte (a RecordKind once `frameHeaderStatus` said "ok"). */
export function frameKind(bytes: Uint8Array, offset: number): number | undefined {
  return bytes[offset + FRAME_AT.kind];
}

export function frameSequence(bytes: Uint8Array, offset: number): number {
  return readU64(bytes, offset + FRAME_AT.sequence);
}

/** Where the 16-byte name hash of the frame at `offset` starts. */
export function frameNameHashAt(offset: number): number {
  return offset + FRAME_AT.nameHash;
}

/** A copy of the name hash of a frame. */
export function frameNameHash(frame: Uint8Array): Uint8Array {
  return frame.slice(FRAME_AT.nameHash, FRAME_AT.nameHash + NAME_HASH_LENGTH);
}

/** A whole frame: header then XChaCha20-Poly1305(recordKey, nonce, payload, AD). */
export function sealFrame(
  recordKey: Uint8Array,
  position: RecordPosition,
  fields: Omit<FrameHeader, "payloadLength">,
  payload: Uint8Array,
  cipher: RecordCipher = defaultCipher,
): Uint8Array {
  const header = encodeFrameHeader({ ...fields, payloadLength: payload.length + TAG_LENGTH });
  const sealed = cipher.seal(recordKey, fields.nonce, payload, recordAssociatedData(position, header));
  return concatBytes(header, sealed);
}

/** The payload of a frame (header + ciphertext), or undefined when authentication fails. */
export function openFrame(
  recordKey: Uint8Array,
  position: RecordPosition,
  frame: Uint8Array,
  cipher: RecordCipher = defaultCipher,
): Uint8Array | undefined {
  return cipher.open(
    recordKey,
    frame.subarray(FRAME_AT.nonce, FRAME_AT.nonce + NONCE_LENGTH),
    frame.subarray(FRAME_HEADER_LENGTH),
    recordAssociatedData(position, frame),
  );
}

/** XChaCha20-Poly1305; the engine may pass a faster implementation with identical output. */
export interface RecordCipher {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined;
}

const defaultCipher: RecordCipher = { seal, open };

function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  return magic.every((b, i) => bytes[i] === b);
}
