/**
 * kdbxweb, loaded on first use, with what this extension needs changed in it:
 *
 * - Argon2d/Argon2id from hash-wasm (kdbxweb ships none), bounded by MAX_ARGON2;
 * - AES-KDF bounded by MAX_AES_KDF_ROUNDS (kdbxweb builds its whole chain of AES steps at once, so
 *   a header asking for 1e14 rounds blocks the process for good);
 * - decompression bounded by `inflatedLimit` (a small file can otherwise expand to gigabytes);
 * - tabs kept: kdbxweb's XML parser deletes every raw U+0009 before parsing, values included,
 *   while XML and KeePassXC keep them;
 * - carriage returns written as `&#13;`: a raw one is read back as a line feed by XML parsers
 *   (KeePassXC's included);
 * - empty attachments kept: a KDBX 3.1 file stores one as an empty element, which kdbxweb drops.
 *
 * The changes are made once on kdbxweb's module objects, so they hold for every load and save.
 */
import type * as Kdbxweb from "kdbxweb";
import { SecretManagementError, storeCorrupt } from "../../core/errors.ts";

export type KdbxModule = typeof Kdbxweb;

/** The most Argon2 work a file may ask for: 1 GiB of memory, and 10 passes over 1 GiB in all. */
const MAX_ARGON2 = { memoryKiB: 1024 * 1024, workKiB: 10 * 1024 * 1024, parallelism: 16 };

/**
 * The most AES-KDF rounds a file may ask for. KeePassXC's default (rounds for a 1 s unlock) was
 * 58 million on the 2-core test machine; 1e9 is ~17 times that and takes ~45 s here in kdbxweb.
 */
export const MAX_AES_KDF_ROUNDS = 1_000_000_000;

/** Decompressed content may be this large whatever its compressed size… */
const INFLATED_FLOOR = 64 * 1024 * 1024;
/** …or this many times its compressed size (real KeePass content compresses 2–10×; zip bombs ~1000×). */
const INFLATED_RATIO = 64;

/** How large `compressedBytes` of gzip may become once decompressed. */
export function inflatedLimit(compressedBytes: number): number {
  return Math.max(INFLATED_FLOOR, INFLATED_RATIO * compressedBytes);
}

let loading: Promise<KdbxModule> | undefined;

/** kdbxweb with the changes above. */
export function loadKdbxweb(): Promise<KdbxModule> {
  loading ??= (async () => {
    const [imported, hashWasm] = await Promise.all([import("kdbxweb"), import("hash-wasm")]);
    // kdbxweb is CommonJS: Node exposes its exports as the namespace, Deno and Bun also as `default`.
    const kdbxweb = ((imported as unknown as { default?: KdbxModule }).default ?? imported) as KdbxModule;
    plugArgon2(kdbxweb, hashWasm);
    boundAesKdf(kdbxweb);
    boundDecompression(kdbxweb);
    fixXmlText(kdbxweb);
    keepEmptyAttachments(kdbxweb);
    return kdbxweb;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

function tooMuchWork(what: string): SecretManagementError {
  return new SecretManagementError("STORE_CORRUPT", `the file asks for ${what}, beyond this extension's bounds`);
}

function plugArgon2(kdbxweb: KdbxModule, { argon2d, argon2id }: typeof import("hash-wasm")): void {
  kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
    const argon2 = type === kdbxweb.CryptoEngine.Argon2TypeArgon2d ? argon2d : argon2id;
    if (version !== 0x13) {
      throw new kdbxweb.KdbxError(kdbxweb.Consts.ErrorCodes.Unsupported, "Argon2 version 1.0 is not supported");
    }
    // The parameters come from the file's header: a crafted file must not make us allocate or spin forever.
    if (memory > MAX_ARGON2.memoryKiB || memory * iterations > MAX_ARGON2.workKiB || parallelism > MAX_ARGON2.parallelism) {
      throw tooMuchWork(`Argon2 with ${memory} KiB × ${iterations} iterations × ${parallelism} lanes`);
    }
    const hash = await argon2({
      password: new Uint8Array(password),
      salt: new Uint8Array(salt),
      memorySize: memory, // kdbxweb passes KiB, as hash-wasm expects
      iterations,
      hashLength: length,
      parallelism,
      outputType: "binary",
    });
    return hash.buffer.slice(hash.byteOffset, hash.byteOffset + hash.byteLength) as ArrayBuffer;
  });
}

/** KDBX 3.1 (TransformRounds) and KDBX 4 AES-KDF (`R`) both go through KeyEncryptorAes.encrypt. */
function boundAesKdf(kdbxweb: KdbxModule): void {
  const aes = kdbxweb.KeyEncryptorAes as { encrypt: typeof kdbxweb.KeyEncryptorAes.encrypt };
  const encrypt = aes.encrypt;
  aes.encrypt = (credentials, key, rounds) => {
    if (!(rounds <= MAX_AES_KDF_ROUNDS)) return Promise.reject(tooMuchWork(`AES-KDF with ${rounds} rounds`));
    return encrypt(credentials, key, rounds);
  };
}

/**
 * kdbxweb gunzips the payload (after HashedBlockTransform.decrypt in KDBX 3.1, after
 * KdbxFormat#decryptData in KDBX 4) and KDBX 3.1 attachments marked Compressed (while reading the
 * XML) in one go, into a buffer as large as the gzip trailer claims. Before it does, the same bytes
 * are inflated here as a stream that is dropped as soon as it outgrows `inflatedLimit`, and the
 * trailer is checked against the real size.
 */
function boundDecompression(kdbxweb: KdbxModule): void {
  const { CompressionAlgorithm } = kdbxweb.Consts;
  const hashed = kdbxweb.HashedBlockTransform as { decrypt: typeof kdbxweb.HashedBlockTransform.decrypt };
  const decryptHashed = hashed.decrypt;
  hashed.decrypt = async (data) => {
    const payload = await decryptHashed(data);
    if (isGzip(new Uint8Array(payload))) await checkInflatedSize([new Uint8Array(payload)]);
    return payload;
  };

  type Format = { kdbx: Kdbxweb.Kdbx; decryptData(data: ArrayBuffer, key: ArrayBuffer): Promise<ArrayBuffer> };
  const format = kdbxweb.KdbxFormat.prototype as unknown as Format;
  const decryptData = format.decryptData;
  format.decryptData = async function (this: Format, data, key) {
    const payload = await decryptData.call(this, data, key);
    if (this.kdbx.header.versionMajor === 4 && this.kdbx.header.compression === CompressionAlgorithm.GZip) {
      await checkInflatedSize([new Uint8Array(payload)]);
    }
    return payload;
  };

  type Database = { xml?: Document; loadFromXml(ctx: Kdbxweb.KdbxContext): Promise<Kdbxweb.Kdbx> };
  const database = kdbxweb.Kdbx.prototype as unknown as Database;
  const loadFromXml = database.loadFromXml;
  database.loadFromXml = async function (this: Database, ctx) {
    const compressed: Uint8Array[] = [];
    if (this.xml) {
      kdbxweb.XmlUtils.traverse(this.xml.documentElement, (node) => {
        const flagged = kdbxweb.XmlUtils.strToBoolean(node.getAttribute(kdbxweb.XmlNames.Attr.Compressed));
        if (flagged && !(node as { protectedValue?: unknown }).protectedValue && node.textContent) {
          compressed.push(kdbxweb.ByteUtils.base64ToBytes(node.textContent));
        }
      });
    }
    if (compressed.length > 0) await checkInflatedSize(compressed);
    return loadFromXml.call(this, ctx);
  };
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** STORE_CORRUPT unless the gzip members together inflate to at most `inflatedLimit` of their size. */
async function checkInflatedSize(members: Uint8Array[]): Promise<void> {
  const limit = inflatedLimit(members.reduce((sum, member) => sum + member.length, 0));
  let total = 0;
  for (const member of members) {
    const reader = new Blob([member as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (total + size > limit) {
          await reader.cancel().catch(() => {});
          throw tooMuchWork(`more than ${limit} bytes of decompressed content`);
        }
      }
    } catch (error) {
      if (error instanceof SecretManagementError) throw error;
      throw storeCorrupt("the file's compressed content", "it does not inflate", error);
    }
    // kdbxweb allocates what the trailer claims (the size modulo 2^32): it must be the real size.
    const view = new DataView(member.buffer, member.byteOffset, member.byteLength);
    if (view.getUint32(member.length - 4, true) !== size % 2 ** 32) {
      throw storeCorrupt("the file's compressed content", "its gzip trailer gives the wrong length");
    }
    total += size;
  }
}

function fixXmlText(kdbxweb: KdbxModule): void {
  const xml = kdbxweb.XmlUtils as { parse: typeof kdbxweb.XmlUtils.parse; serialize: typeof kdbxweb.XmlUtils.serialize };
  const parse = xml.parse;
  // Between a `>` and the next `<` is text: a tab there becomes a character reference, which the
  // deletion of raw tabs does not touch and the parser turns back into a tab.
  xml.parse = (text) => parse(text.replace(/>[^<]*</g, (segment) => segment.replaceAll("\t", "&#9;")));
  const serialize = xml.serialize;
  // kdbxweb's XML carries no carriage return but in text (values, names), where it must stay one.
  xml.serialize = (doc, prettyPrint) => serialize(doc, prettyPrint).replaceAll("\r", "&#13;");
}

function keepEmptyAttachments(kdbxweb: KdbxModule): void {
  const xml = kdbxweb.XmlUtils as { getProtectedBinary: typeof kdbxweb.XmlUtils.getProtectedBinary };
  const getProtectedBinary = xml.getProtectedBinary;
  xml.getProtectedBinary = (node) => {
    const binary = getProtectedBinary(node);
    if (binary === undefined && !(node as Element).getAttribute(kdbxweb.XmlNames.Attr.Ref)) return new ArrayBuffer(0);
    return binary;
  };
}
