/**
 * The store's byte layouts field by field (docs/FORMAT.md): every structural byte of a header, key
 * file, log prefix or frame header altered gives STORE_CORRUPT with the message naming it (or
 * "damaged" for a frame header), never data; the free bytes decode to exactly what was written;
 * boundaries of lengths, offsets and limits; the record payload's JSON checks. These pin down what
 * the mutation run (`npm run mutation`) changes in core/store/format.ts and payload.ts.
 */
import { describe, expect, it } from "vitest";
import { open, seal } from "../core/crypto/aead.ts";
import { crc32, readU32, toHex, writeU32 } from "../core/crypto/bytes.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import {
  corrupt,
  decodeHeader,
  decodeKeyFile,
  decodeLogPrefix,
  encodeFrameHeader,
  encodeHeaderBody,
  encodeKeyFile,
  encodeLogPrefix,
  encodeNoPasswordHeaderBody,
  encodePasswordHeaderBody,
  FRAME_HEADER_LENGTH,
  frameHeaderStatus,
  frameKind,
  frameNameHash,
  frameNameHashAt,
  framePayloadLength,
  frameSequence,
  HEADER_LENGTH,
  headerTaggedBytes,
  KEY_FILE_LENGTH,
  KIND_DELETE,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  MAX_PAYLOAD_LENGTH,
  openFrame,
  recordAssociatedData,
  sealFrame,
  setHeaderTag,
  setWrappedKey,
  unwrapDataKey,
  wrapAssociatedData,
  wrapDataKey,
} from "../core/store/format.ts";
import { decodeInfo, decodePut, encodeDelete, encodePut } from "../core/store/payload.ts";

const fill = (length: number, from: number) => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);
const storeId = fill(16, 0x10);
const salt = fill(16, 0x30);
const wrapNonce = fill(24, 0x40);
const wrappedKey = fill(48, 0x60);
const kdf = { memoryKiB: 0x01020304, iterations: 0x05060708, parallelism: 0x090a0b0c };
const config = { authentication: "password", passwordTimeout: 900, interaction: "prompt" } as const;

function passwordHeader(): Uint8Array {
  const bytes = encodeHeaderBody({ config, storeId, kdf, salt, wrapNonce, wrappedKey });
  setHeaderTag(bytes, fill(32, 0xa0));
  return bytes;
}

function noPasswordHeader(): Uint8Array {
  const bytes = encodeNoPasswordHeaderBody({ authentication: "none", passwordTimeout: 0, interaction: "none" }, storeId);
  setHeaderTag(bytes, fill(32, 0xa0));
  return bytes;
}

function with_(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value;
  return out;
}

function failure(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return `${code}: ${message}`;
  }
}

const damaged = (what: string) => `STORE_CORRUPT: the SecretStore is damaged: ${what}`;

describe("store.header", () => {
  it("encodes every field at its offset", () => {
    const bytes = passwordHeader();
    expect(bytes.length).toBe(HEADER_LENGTH);
    expect(toHex(bytes.subarray(0, 16))).toBe("534d53544f52450001010100" + "00000384");
    expect(toHex(bytes.subarray(16, 32))).toBe(toHex(storeId));
    expect(toHex(bytes.subarray(32, 48))).toBe("01000000" + "01020304" + "05060708" + "090a0b0c");
    expect(toHex(bytes.subarray(48, 64))).toBe(toHex(salt));
    expect(toHex(bytes.subarray(64, 88))).toBe(toHex(wrapNonce));
    expect(toHex(bytes.subarray(88, 136))).toBe(toHex(wrappedKey));
    expect(toHex(bytes.subarray(136))).toBe(toHex(fill(32, 0xa0)));
    const none = noPasswordHeader();
    expect(toHex(none.subarray(8, 16))).toBe("0102020000000000");
    expect(none.subarray(32, 136).every((b) => b === 0)).toBe(true);
    const forever = encodeHeaderBody({ config: { ...config, passwordTimeout: -1 }, storeId, kdf, salt, wrapNonce, wrappedKey });
    expect(toHex(forever.subarray(12, 16))).toBe("ffffffff");
  });

  it("a password header body has a zero wrapped key and tag until they are set", () => {
    const body = encodePasswordHeaderBody(config, storeId, kdf, salt, wrapNonce);
    expect(body.subarray(88).every((b) => b === 0)).toBe(true);
    setWrappedKey(body, wrappedKey);
    expect(toHex(body.subarray(88, 136))).toBe(toHex(wrappedKey));
    expect(body.subarray(136).every((b) => b === 0)).toBe(true);
    expect(headerTaggedBytes(body).length).toBe(136);
    expect(toHex(wrapAssociatedData(body))).toBe(toHex(body.subarray(16, 64)));
  });

  it("decodes exactly what was encoded, as copies", () => {
    const bytes = passwordHeader();
    const header = decodeHeader(bytes);
    expect(header.config).toEqual(config);
    expect(header.kdf).toEqual(kdf);
    expect(toHex(header.storeId)).toBe(toHex(storeId));
    expect(toHex(header.salt)).toBe(toHex(salt));
    expect(toHex(header.wrapNonce)).toBe(toHex(wrapNonce));
    expect(toHex(header.wrappedKey)).toBe(toHex(wrappedKey));
    expect(toHex(header.tag)).toBe(toHex(fill(32, 0xa0)));
    expect(toHex(header.bytes)).toBe(toHex(bytes));
    bytes.fill(0);
    for (const field of [header.storeId, header.salt, header.wrapNonce, header.wrappedKey, header.tag, header.bytes]) {
      expect(field.some((b) => b !== 0)).toBe(true);
    }
    const none = decodeHeader(noPasswordHeader());
    expect(none.config).toEqual({ authentication: "none", passwordTimeout: 0, interaction: "none" });
    expect(none.kdf).toBeUndefined();
  });

  it("decodes from a view into a larger buffer", () => {
    const buffer = new Uint8Array(HEADER_LENGTH + 8);
    buffer.set(passwordHeader(), 8);
    const header = decodeHeader(buffer.subarray(8));
    expect(header.config.passwordTimeout).toBe(900);
    expect(toHex(header.storeId)).toBe(toHex(storeId));
  });

  it("refuses a header of another length", () => {
    const bytes = passwordHeader();
    expect(failure(() => decodeHeader(bytes.subarray(0, 167)))).toBe(damaged("the header is 167 bytes, not 168"));
    const longer = new Uint8Array(169);
    longer.set(bytes);
    expect(failure(() => decodeHeader(longer))).toBe(damaged("the header is 169 bytes, not 168"));
    expect(failure(() => decodeHeader(new Uint8Array()))).toBe(damaged("the header is 0 bytes, not 168"));
  });

  it("refuses any byte of the magic or the version altered", () => {
    const bytes = passwordHeader();
    for (let at = 0; at < 8; at++) {
      expect(failure(() => decodeHeader(with_(bytes, at, bytes[at]! ^ 0x01)))).toBe(damaged("the header is not a SecretStore header"));
    }
    expect(failure(() => decodeHeader(with_(bytes, 8, 0)))).toBe(damaged("unknown format version 0"));
    expect(failure(() => decodeHeader(with_(bytes, 8, 2)))).toBe(damaged("unknown format version 2"));
  });

  it("refuses configuration bytes that name nothing, and a non-zero reserved byte", () => {
    for (const header of [passwordHeader(), noPasswordHeader()]) {
      for (const [at, value] of [[9, 0], [9, 3], [10, 0], [10, 3], [11, 1], [11, 0x80]] as const) {
        expect(failure(() => decodeHeader(with_(header, at, value)))).toBe(damaged("invalid configuration bytes"));
      }
    }
  });

  it("takes timeouts from -1 up, refusing anything below", () => {
    const bytes = passwordHeader();
    const timeoutOf = (hex: string) => {
      const out = bytes.slice();
      out.set(Uint8Array.from(hex.match(/../g)!.map((pair) => parseInt(pair, 16))), 12);
      return out;
    };
    expect(decodeHeader(timeoutOf("ffffffff")).config.passwordTimeout).toBe(-1);
    expect(decodeHeader(timeoutOf("00000000")).config.passwordTimeout).toBe(0);
    expect(decodeHeader(timeoutOf("7fffffff")).config.passwordTimeout).toBe(0x7fffffff);
    expect(failure(() => decodeHeader(timeoutOf("fffffffe")))).toBe(damaged("invalid password timeout"));
    expect(failure(() => decodeHeader(timeoutOf("80000000")))).toBe(damaged("invalid password timeout"));
  });

  it("refuses non-zero KDF reserved bytes and an unknown KDF algorithm", () => {
    for (const header of [passwordHeader(), noPasswordHeader()]) {
      for (const at of [33, 34, 35]) expect(failure(() => decodeHeader(with_(header, at, 1)))).toBe(damaged("invalid KDF bytes"));
    }
    for (const algorithm of [0, 2, 0xff]) {
      expect(failure(() => decodeHeader(with_(passwordHeader(), 32, algorithm)))).toBe(damaged("unknown KDF algorithm"));
    }
  });

  it("a no-password header with any KDF, salt, nonce or key byte set is refused; its tag bytes are free", () => {
    const bytes = noPasswordHeader();
    for (let at = 32; at < 136; at++) {
      const expected = at >= 33 && at < 36 ? "invalid KDF bytes" : "a no-password header carries KDF or key bytes";
      expect(failure(() => decodeHeader(with_(bytes, at, 1)))).toBe(damaged(expected));
    }
    for (let at = 136; at < HEADER_LENGTH; at++) expect(decodeHeader(with_(bytes, at, 0x55)).tag[at - 136]).toBe(0x55);
    // A password header switched to "none" by its configuration byte still carries its KDF block.
    expect(failure(() => decodeHeader(with_(passwordHeader(), 9, 2)))).toBe(damaged("a no-password header carries KDF or key bytes"));
  });

  it("every byte changed either names the damage or decodes to the changed field (the tag is checked later)", () => {
    const bytes = passwordHeader();
    for (let at = 0; at < HEADER_LENGTH; at++) {
      const changed = with_(bytes, at, bytes[at]! ^ 0x80);
      const result = failure(() => decodeHeader(changed));
      if (result !== undefined) {
        expect(result).toMatch(/^STORE_CORRUPT: the SecretStore is damaged: /);
        continue;
      }
      expect(toHex(decodeHeader(changed).bytes)).toBe(toHex(changed));
      expect(at >= 12).toBe(true); // magic, version and configuration bytes never decode altered
    }
  });

  it("a wrapped data key is bound to bytes 16..63 (store id, KDF block, salt) and to its key and nonce", () => {
    const kek = fill(32, 0xc0);
    const dataKey = fill(32, 0xd0);
    const body = encodePasswordHeaderBody(config, storeId, MIN_KDF, salt, wrapNonce);
    setWrappedKey(body, wrapDataKey(kek, wrapNonce, dataKey, body));
    expect(unwrapDataKey(kek, decodeHeader(body))).toEqual(dataKey);
    expect(unwrapDataKey(fill(32, 0xc1), decodeHeader(body))).toBeUndefined();
    // Outside the associated data: the configuration (bytes 9..15) does not affect the unwrap.
    expect(unwrapDataKey(kek, decodeHeader(with_(body, 15, 0x01)))).toEqual(dataKey);
    for (const at of [16, 31, 32, 47, 48, 63, 64, 87, 88, 135]) {
      expect(unwrapDataKey(kek, { ...decodeHeader(body), ...rawWith(body, at) })).toBeUndefined();
    }
  });
});

/** The header fields `decodeHeader` would give with byte `at` flipped, without its checks (for bytes it refuses). */
function rawWith(body: Uint8Array, at: number) {
  const bytes = with_(body, at, body[at]! ^ 0x01);
  return { bytes, wrapNonce: bytes.slice(64, 88), wrappedKey: bytes.slice(88, 136) };
}

describe("store.key", () => {
  const dataKey = fill(32, 0x70);

  it("encodes and decodes the store id and data key, as copies", () => {
    const bytes = encodeKeyFile(storeId, dataKey);
    expect(bytes.length).toBe(KEY_FILE_LENGTH);
    expect(toHex(bytes)).toBe("534d534b45590000" + "0100000000000000" + toHex(storeId) + toHex(dataKey));
    const decoded = decodeKeyFile(bytes);
    bytes.fill(0);
    expect(toHex(decoded.storeId)).toBe(toHex(storeId));
    expect(toHex(decoded.dataKey)).toBe(toHex(dataKey));
  });

  it("refuses another length, magic or version; bytes 9..15 are not checked", () => {
    const bytes = encodeKeyFile(storeId, dataKey);
    const refused = damaged("the key file is not a SecretStore key file");
    expect(failure(() => decodeKeyFile(bytes.subarray(0, 63)))).toBe(refused);
    expect(failure(() => decodeKeyFile(new Uint8Array(65).fill(0).map((_, i) => bytes[i] ?? 0)))).toBe(refused);
    for (let at = 0; at < 8; at++) expect(failure(() => decodeKeyFile(with_(bytes, at, bytes[at]! ^ 1)))).toBe(refused);
    expect(failure(() => decodeKeyFile(with_(bytes, 8, 2)))).toBe(refused);
    expect(failure(() => decodeKeyFile(with_(bytes, 8, 0)))).toBe(refused);
    for (let at = 9; at < 16; at++) expect(failure(() => decodeKeyFile(with_(bytes, at, 1)))).toBeUndefined();
  });
});

describe("store.log prefix", () => {
  const generation = 0x0102_0304_0506;

  /** `bytes` with byte `at` set and the checksum made to match again. */
  function recrc(bytes: Uint8Array, at: number, value: number): Uint8Array {
    const out = with_(bytes, at, value);
    writeU32(out, 40, crc32(out, 0, 40));
    return out;
  }

  it("encodes magic, version, store id, generation and CRC-32 of bytes 0..39", () => {
    const bytes = encodeLogPrefix({ storeId, generation });
    expect(bytes.length).toBe(LOG_PREFIX_LENGTH);
    expect(toHex(bytes.subarray(0, 16))).toBe("534d534c4f470000" + "0100000000000000");
    expect(toHex(bytes.subarray(16, 32))).toBe(toHex(storeId));
    expect(toHex(bytes.subarray(32, 40))).toBe("0000010203040506");
    expect(readU32(bytes, 40)).toBe(crc32(bytes.subarray(0, 40)));
    const decoded = decodeLogPrefix(bytes);
    expect(decoded.generation).toBe(generation);
    bytes.fill(0);
    expect(toHex(decoded.storeId)).toBe(toHex(storeId));
  });

  it("decodes the prefix of a whole log; refuses one byte short", () => {
    const bytes = encodeLogPrefix({ storeId, generation: 7 });
    const log = new Uint8Array(100);
    log.set(bytes);
    expect(decodeLogPrefix(log).generation).toBe(7);
    expect(failure(() => decodeLogPrefix(bytes.subarray(0, 43)))).toBe(damaged("the log file is shorter than its prefix"));
  });

  it("every byte altered fails the checksum", () => {
    const bytes = encodeLogPrefix({ storeId, generation: 7 });
    for (let at = 0; at < LOG_PREFIX_LENGTH; at++) {
      expect(failure(() => decodeLogPrefix(with_(bytes, at, bytes[at]! ^ 0x10)))).toBe(damaged("the log prefix checksum does not match"));
    }
  });

  it("with the checksum fixed up: magic, version and reserved bytes are still checked", () => {
    const bytes = encodeLogPrefix({ storeId, generation: 7 });
    for (let at = 0; at < 8; at++) {
      expect(failure(() => decodeLogPrefix(recrc(bytes, at, bytes[at]! ^ 1)))).toBe(damaged("the log file is not a SecretStore log"));
    }
    expect(failure(() => decodeLogPrefix(recrc(bytes, 8, 2)))).toBe(damaged("the log file is not a SecretStore log"));
    for (let at = 9; at < 16; at++) {
      expect(failure(() => decodeLogPrefix(recrc(bytes, at, 1)))).toBe(damaged("invalid log prefix bytes"));
    }
    expect(decodeLogPrefix(recrc(bytes, 16, 0xff)).storeId[0]).toBe(0xff);
  });
});

describe("record frames", () => {
  const nameHash = fill(16, 0x20);
  const nonce = fill(24, 0x50);
  const position = { storeId, generation: 0x0102_0304_0506, offset: 0x0a0b_0c0d_0e0f };
  const recordKey = fill(32, 0x90);

  /** `frame` with byte `at` set and the header checksum made to match again. */
  function recrc(frame: Uint8Array, at: number, value: number): Uint8Array {
    const out = with_(frame, at, value);
    writeU32(out, 56, crc32(out, 0, 56));
    return out;
  }

  function header(payloadLength: number, kind = KIND_PUT): Uint8Array {
    return encodeFrameHeader({ payloadLength, kind: kind as typeof KIND_PUT, sequence: 0x0102_0304_0506, nameHash, nonce });
  }

  it("encodes the clear header field by field, with a CRC-32 of bytes 0..55", () => {
    const bytes = header(0x01020304, KIND_DELETE);
    expect(bytes.length).toBe(FRAME_HEADER_LENGTH);
    expect(toHex(bytes.subarray(0, 16))).toBe("01020304" + "02000000" + "0000010203040506");
    expect(toHex(bytes.subarray(16, 32))).toBe(toHex(nameHash));
    expect(toHex(bytes.subarray(32, 56))).toBe(toHex(nonce));
    expect(readU32(bytes, 56)).toBe(crc32(bytes.subarray(0, 56)));
  });

  it("reads each field of a frame at any offset", () => {
    const log = new Uint8Array(7 + FRAME_HEADER_LENGTH);
    log.set(header(0x05020304, KIND_DELETE), 7);
    expect(frameHeaderStatus(log, 7)).toBe("damaged"); // payload length above the limit
    expect(framePayloadLength(log, 7)).toBe(0x05020304);
    expect(frameKind(log, 7)).toBe(KIND_DELETE);
    expect(frameSequence(log, 7)).toBe(0x0102_0304_0506);
    expect(frameNameHashAt(7)).toBe(7 + 16);
    expect(toHex(frameNameHash(log.subarray(7)))).toBe(toHex(nameHash));
    expect(frameKind(log, log.length)).toBeUndefined();
  });

  it("short below 60 bytes from the offset, whole at 60", () => {
    const bytes = header(16);
    expect(frameHeaderStatus(bytes, 0)).toBe("ok");
    expect(frameHeaderStatus(bytes.subarray(0, 59), 0)).toBe("short");
    expect(frameHeaderStatus(new Uint8Array(), 0)).toBe("short");
    const shifted = new Uint8Array(61);
    shifted.set(bytes, 1);
    expect(frameHeaderStatus(shifted, 1)).toBe("ok");
    expect(frameHeaderStatus(shifted, 2)).toBe("short");
  });

  it("every header byte altered fails the checksum", () => {
    const bytes = header(100);
    for (let at = 0; at < FRAME_HEADER_LENGTH; at++) expect(frameHeaderStatus(with_(bytes, at, bytes[at]! ^ 0x04), 0)).toBe("damaged");
  });

  it("with the checksum fixed up: kind, reserved bytes and payload length are still checked", () => {
    const bytes = header(100);
    expect(frameHeaderStatus(recrc(bytes, 4, KIND_DELETE), 0)).toBe("ok");
    for (const kind of [0, 3, 0xff]) expect(frameHeaderStatus(recrc(bytes, 4, kind), 0)).toBe("damaged");
    for (const at of [5, 6, 7]) expect(frameHeaderStatus(recrc(bytes, at, 1), 0)).toBe("damaged");
    expect(frameHeaderStatus(recrc(bytes, 16, 0), 0)).toBe("ok");
    expect(frameHeaderStatus(header(15), 0)).toBe("damaged");
    expect(frameHeaderStatus(header(0), 0)).toBe("damaged");
    expect(frameHeaderStatus(header(16), 0)).toBe("ok");
    expect(frameHeaderStatus(header(MAX_PAYLOAD_LENGTH + 16), 0)).toBe("ok");
    expect(frameHeaderStatus(header(MAX_PAYLOAD_LENGTH + 17), 0)).toBe("damaged");
    expect(frameHeaderStatus(header(0xffffffff), 0)).toBe("damaged");
    expect(MAX_PAYLOAD_LENGTH).toBe(64 * 1024 * 1024);
  });

  it("the associated data is store id, generation, offset and header bytes 0..55", () => {
    const frameHeader = header(100);
    const ad = recordAssociatedData(position, frameHeader);
    expect(toHex(ad)).toBe(toHex(storeId) + "0000010203040506" + "00000a0b0c0d0e0f" + toHex(frameHeader.subarray(0, 56)));
  });

  it("seals under the frame's nonce and associated data, and opens only at its position", () => {
    const payload = new TextEncoder().encode('{"name":"a"}');
    const frame = sealFrame(recordKey, position, { kind: KIND_PUT, sequence: 1, nameHash, nonce }, payload);
    expect(frame.length).toBe(FRAME_HEADER_LENGTH + payload.length + 16);
    expect(framePayloadLength(frame, 0)).toBe(payload.length + 16);
    expect(frameHeaderStatus(frame, 0)).toBe("ok");
    const sealed = seal(recordKey, nonce, payload, recordAssociatedData(position, frame));
    expect(toHex(frame.subarray(FRAME_HEADER_LENGTH))).toBe(toHex(sealed));
    expect(openFrame(recordKey, position, frame)).toEqual(payload);
    expect(openFrame(recordKey, { ...position, offset: position.offset + 1 }, frame)).toBeUndefined();
    expect(openFrame(recordKey, { ...position, generation: position.generation + 1 }, frame)).toBeUndefined();
    expect(openFrame(recordKey, { ...position, storeId: fill(16, 0x11) }, frame)).toBeUndefined();
    expect(openFrame(fill(32, 0x91), position, frame)).toBeUndefined();
    const cipher = { seal, open: (k: Uint8Array, n: Uint8Array, c: Uint8Array, a: Uint8Array) => open(k, n, c, a) };
    expect(openFrame(recordKey, position, frame, cipher)).toEqual(payload);
    // A CRC-fixed change to any header field changes the associated data (the CRC itself is not in it).
    for (const at of [0, 4, 5, 8, 16, 31, 32, 55]) expect(openFrame(recordKey, position, recrc(frame, at, frame[at]! ^ 1))).toBeUndefined();
    expect(openFrame(recordKey, position, with_(frame, 56, frame[56]! ^ 1))).toEqual(payload);
  });
});

describe("record payloads", () => {
  const encoder = new TextEncoder();

  it("round-trips a put and a delete", () => {
    const put = encodePut("Name", { username: "u", password: "p" }, { owner: "team" });
    expect(decodePut(put)).toEqual({ name: "Name", type: "credential", value: { username: "u", password: "p" }, metadata: { owner: "team" } });
    expect(decodeInfo(put)).toEqual({ name: "Name", type: "credential", metadata: { owner: "team" } });
    expect(new TextDecoder().decode(encodeDelete("gone"))).toBe('{"name":"gone"}');
    for (const value of ["text", Uint8Array.of(1, 2), { k: "v" }]) {
      expect(decodePut(encodePut("n", value, {})).value).toEqual(value);
    }
  });

  it("refuses bytes that are not UTF-8 JSON, and JSON that is not an object with a name", () => {
    const notJson = damaged("a record's payload is not valid JSON");
    const noName = damaged("a record's payload has no name");
    expect(failure(() => decodePut(Uint8Array.of(0x7b, 0xff, 0x7d)))).toBe(notJson);
    expect(failure(() => decodePut(encoder.encode("{")))).toBe(notJson);
    expect(failure(() => decodePut(new Uint8Array()))).toBe(notJson);
    for (const text of ["null", "[]", '["name"]', "1", '"name"', "{}", '{"name":1}', '{"name":null}', '{"Name":"x"}']) {
      expect(failure(() => decodePut(encoder.encode(text)))).toBe(noName);
      expect(failure(() => decodeInfo(encoder.encode(text)))).toBe(noName);
    }
  });

  it("listing refuses an unknown type; each known type is listed", () => {
    for (const type of ["string", "bytes", "credential", "map"]) {
      expect(decodeInfo(encoder.encode(JSON.stringify({ name: "n", type, metadata: {} }))).type).toBe(type);
    }
    for (const type of [undefined, "", "String", "object", 1]) {
      expect(failure(() => decodeInfo(encoder.encode(JSON.stringify({ name: "n", type, metadata: {} }))))).toBe(
        damaged("a record's payload has an unknown type"),
      );
    }
  });

  it("a put without a value decodes as a null value, which the codec refuses", () => {
    expect(failure(() => decodePut(encoder.encode('{"name":"n","type":"string"}')))).toMatch(/^STORE_CORRUPT: /);
  });

  it("corrupt() says the store is damaged", () => {
    expect(corrupt("x")).toMatchObject({ code: "STORE_CORRUPT", message: "the SecretStore is damaged: x" });
  });
});
