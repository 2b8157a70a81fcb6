/**
 * The SecretStore file format (docs/FORMAT.md is the normative description): the header file, the
 * key file of no-password mode, the log file and its record frames. Pure functions over bytes, so
 * the test vectors exercise exactly what the engine writes.
 */
import { NONCE_LENGTH, open, seal, TAG_LENGTH } from "../crypto/aead.ts";
import { concatBytes, crc32, readU32, readU64, writeU32, writeU64 } from "../crypto/bytes.ts";
import { KEY_LENGTH, type KdfParams, SALT_LENGTH } from "../crypto/kdf.ts";
import { SecretManagementError } from "../errors.ts";

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

export function corrupt(what: string): SecretManagementError {
  return new SecretManagementError("STORE_CORRUPT", `the SecretStore is damaged: ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Header file (168 bytes)

export const HEADER_LENGTH = 168;
const HEADER_TAGGED_LENGTH = 136;

export interface Header {
  config: StoreConfig;
  storeId: Uint8Array;
  /** Absent in no-password mode. */
  kdf: KdfParams | undefined;
  salt: Uint8Array;
  wrapNonce: Uint8Array;
  wrappedKey: Uint8Array;
  /** HMAC-SHA-256 over bytes 0..135 under the header subkey of the data key. */
  tag: Uint8Array;
  /** The encoded header, for the tag check. */
  bytes: Uint8Array;
}

/** The bytes that bind a wrapped data key to its store and KDF: storeId, KDF block and salt (16..63). */
export function wrapAssociatedData(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(16, 64);
}

/** Encodes a header with a zero tag; `sealHeader` fills it in. */
export function encodeHeaderBody(header: Omit<Header, "tag" | "bytes">): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  out.set(HEADER_MAGIC, 0);
  out[8] = FORMAT_VERSION;
  out[9] = header.config.authentication === "password" ? 1 : 2;
  out[10] = header.config.interaction === "prompt" ? 1 : 2;
  new DataView(out.buffer).setInt32(12, header.config.passwordTimeout, false);
  out.set(header.storeId, 16);
  if (header.kdf) {
    out[32] = 1;
    writeU32(out, 36, header.kdf.memoryKiB);
    writeU32(out, 40, header.kdf.iterations);
    writeU32(out, 44, header.kdf.parallelism);
  }
  out.set(header.salt, 48);
  out.set(header.wrapNonce, 64);
  out.set(header.wrappedKey, 88);
  return out;
}

export function setHeaderTag(bytes: Uint8Array, tag: Uint8Array): void {
  bytes.set(tag, HEADER_TAGGED_LENGTH);
}

export function headerTaggedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, HEADER_TAGGED_LENGTH);
}

/** Parses the header; STORE_CORRUPT names what is wrong. KDF bounds are checked by the caller. */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_LENGTH) throw corrupt(`the header is ${bytes.length} bytes, not ${HEADER_LENGTH}`);
  if (!HEADER_MAGIC.every((b, i) => bytes[i] === b)) throw corrupt("the header is not a SecretStore header");
  if (bytes[8] !== FORMAT_VERSION) throw corrupt(`unknown format version ${bytes[8]}`);
  const authentication = bytes[9] === 1 ? "password" : bytes[9] === 2 ? "none" : undefined;
  const interaction = bytes[10] === 1 ? "prompt" : bytes[10] === 2 ? "none" : undefined;
  if (!authentication || !interaction || bytes[11] !== 0) throw corrupt("invalid configuration bytes");
  const passwordTimeout = new DataView(bytes.buffer, bytes.byteOffset).getInt32(12, false);
  if (passwordTimeout < -1) throw corrupt("invalid password timeout");
  if (bytes[33] !== 0 || bytes[34] !== 0 || bytes[35] !== 0) throw corrupt("invalid KDF bytes");
  let kdf: KdfParams | undefined;
  if (authentication === "password") {
    if (bytes[32] !== 1) throw corrupt("unknown KDF algorithm");
    kdf = { memoryKiB: readU32(bytes, 36), iterations: readU32(bytes, 40), parallelism: readU32(bytes, 44) };
  } else if (bytes.subarray(32, 136).some((b) => b !== 0)) {
    throw corrupt("a no-password header carries KDF or key bytes");
  }
  return {
    config: { authentication, passwordTimeout, interaction },
    storeId: bytes.slice(16, 32),
    kdf,
    salt: bytes.slice(48, 48 + SALT_LENGTH),
    wrapNonce: bytes.slice(64, 64 + NONCE_LENGTH),
    wrappedKey: bytes.slice(88, 88 + KEY_LENGTH + TAG_LENGTH),
    tag: bytes.slice(HEADER_TAGGED_LENGTH, HEADER_LENGTH),
    bytes: bytes.slice(),
  };
}

export function wrapDataKey(kek: Uint8Array, nonce: Uint8Array, dataKey: Uint8Array, headerBytes: Uint8Array): Uint8Array {
  return seal(kek, nonce, dataKey, wrapAssociatedData(headerBytes));
}

export function unwrapDataKey(kek: Uint8Array, header: Header): Uint8Array | undefined {
  return open(kek, header.wrapNonce, header.wrappedKey, wrapAssociatedData(header.bytes));
}

// ---------------------------------------------------------------------------------------------
// Key file of no-password mode (64 bytes)

export const KEY_FILE_LENGTH = 64;

export function encodeKeyFile(storeId: Uint8Array, dataKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_FILE_LENGTH);
  out.set(KEY_FILE_MAGIC, 0);
  out[8] = FORMAT_VERSION;
  out.set(storeId, 16);
  out.set(dataKey, 32);
  return out;
}

export function decodeKeyFile(bytes: Uint8Array): { storeId: Uint8Array; dataKey: Uint8Array } {
  if (
    bytes.length !== KEY_FILE_LENGTH || !KEY_FILE_MAGIC.every((b, i) => bytes[i] === b) ||
    bytes[8] !== FORMAT_VERSION
  ) {
    throw corrupt("the key file is not a SecretStore key file");
  }
  return { storeId: bytes.slice(16, 32), dataKey: bytes.slice(32, 64) };
}

// ---------------------------------------------------------------------------------------------
// Log file: a 44-byte prefix, then record frames

export const LOG_PREFIX_LENGTH = 44;

export interface LogPrefix {
  storeId: Uint8Array;
  generation: number;
}

export function encodeLogPrefix(prefix: LogPrefix): Uint8Array {
  const out = new Uint8Array(LOG_PREFIX_LENGTH);
  out.set(LOG_MAGIC, 0);
  out[8] = FORMAT_VERSION;
  out.set(prefix.storeId, 16);
  writeU64(out, 32, prefix.generation);
  writeU32(out, 40, crc32(out, 0, 40));
  return out;
}

export function decodeLogPrefix(bytes: Uint8Array): LogPrefix {
  if (bytes.length < LOG_PREFIX_LENGTH) throw corrupt("the log file is shorter than its prefix");
  if (crc32(bytes, 0, 40) !== readU32(bytes, 40)) throw corrupt("the log prefix checksum does not match");
  if (!LOG_MAGIC.every((b, i) => bytes[i] === b) || bytes[8] !== FORMAT_VERSION) {
    throw corrupt("the log file is not a SecretStore log");
  }
  if (bytes.subarray(9, 16).some((b) => b !== 0)) throw corrupt("invalid log prefix bytes");
  return { storeId: bytes.slice(16, 32), generation: readU64(bytes, 32) };
}

// ---------------------------------------------------------------------------------------------
// Record frames: a 60-byte clear header (CRC-protected) and the sealed payload

export const FRAME_HEADER_LENGTH = 60;
const FRAME_CHECKED_LENGTH = 56;
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
  const ad = new Uint8Array(STORE_ID_LENGTH + 16 + FRAME_CHECKED_LENGTH);
  ad.set(position.storeId, 0);
  writeU64(ad, 16, position.generation);
  writeU64(ad, 24, position.offset);
  ad.set(frame.subarray(0, FRAME_CHECKED_LENGTH), 32);
  return ad;
}

export function encodeFrameHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_LENGTH);
  writeU32(out, 0, header.payloadLength);
  out[4] = header.kind;
  writeU64(out, 8, header.sequence);
  out.set(header.nameHash, 16);
  out.set(header.nonce, 32);
  writeU32(out, 56, crc32(out, 0, FRAME_CHECKED_LENGTH));
  return out;
}

export type FrameHeaderResult =
  | { status: "ok"; header: FrameHeader }
  /** Fewer bytes than a frame header: a write cut short. */
  | { status: "short" }
  | { status: "damaged" };

/** Whether a frame header starts at `offset`, allocation-free (the loader runs it once per record). */
export function frameHeaderStatus(bytes: Uint8Array, offset: number): FrameHeaderResult["status"] {
  if (bytes.length - offset < FRAME_HEADER_LENGTH) return "short";
  if (crc32(bytes, offset, offset + FRAME_CHECKED_LENGTH) !== readU32(bytes, offset + FRAME_CHECKED_LENGTH)) {
    return "damaged";
  }
  const payloadLength = readU32(bytes, offset);
  const kind = bytes[offset + 4];
  if (
    (kind !== KIND_PUT && kind !== KIND_DELETE) || bytes[offset + 5] !== 0 || bytes[offset + 6] !== 0 ||
    bytes[offset + 7] !== 0 || payloadLength < TAG_LENGTH || payloadLength > MAX_PAYLOAD_LENGTH + TAG_LENGTH
  ) {
    return "damaged";
  }
  return "ok";
}

export function decodeFrameHeader(bytes: Uint8Array, offset: number): FrameHeaderResult {
  const status = frameHeaderStatus(bytes, offset);
  if (status !== "ok") return { status };
  return {
    status,
    header: {
      payloadLength: readU32(bytes, offset),
      kind: bytes[offset + 4] as RecordKind,
      sequence: readU64(bytes, offset + 8),
      nameHash: bytes.subarray(offset + 16, offset + 32),
      nonce: bytes.subarray(offset + 32, offset + 56),
    },
  };
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
    frame.subarray(32, 56),
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
