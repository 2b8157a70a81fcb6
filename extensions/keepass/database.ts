/**
 * Opening and saving one KDBX file, and reading its key file: kdbxweb does the format (see
 * kdbxweb.ts for what is changed in it). It loads on first use, so registering a vault costs nothing.
 *
 * A loaded file is remembered with a stamp (size, mtime, inode, SHA-256 of its bytes); before each
 * use the file is stat'ed and, when another program has changed it, read again, so a write always
 * starts from what is on disk.
 */
import type * as Kdbxweb from "kdbxweb";
import { SecretManagementError } from "../../core/errors.ts";
import type { FileSystem } from "../../core/runtime.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { loadKdbxweb } from "./kdbxweb.ts";

/** Argon2id parameters for files this extension creates (the SecretStore's defaults). */
export const NEW_FILE_KDF = { memoryBytes: 64 * 1024 * 1024, iterations: 3, parallelism: 1 };

interface Stamp {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

export interface Secrets {
  password: string;
  keyFile: Uint8Array | undefined;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", toArrayBuffer(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Key files up to this size go to kdbxweb as they are; larger ones are hashed here, a chunk at a time. */
const KEY_FILE_READ_LIMIT = 1024 * 1024;

/**
 * The key file as kdbxweb takes it. A small file is passed as it is (kdbxweb tells the XML `.keyx`,
 * 32-byte, 64-hex-digit and other formats apart); a larger one can only be of the last kind, whose
 * key is the SHA-256 of the file, so that digest is computed here in bounded memory and passed as
 * a 32-byte key. Only regular files are read: a device or a pipe could be endless or never end.
 */
export function readKeyFile(fs: FileSystem, path: string): Uint8Array {
  const info = fs.stat(path);
  if (!info) throw new SecretManagementError("INVALID_ARGUMENT", `key file ${path} does not exist`);
  if (!info.isFile) throw new SecretManagementError("INVALID_ARGUMENT", `key file ${path} is not a regular file`);
  if (info.size <= KEY_FILE_READ_LIMIT) {
    const bytes = fs.readFileFrom(path, 0, KEY_FILE_READ_LIMIT + 1);
    if (bytes.length <= KEY_FILE_READ_LIMIT) return bytes;
  }
  const hash = sha256.create();
  for (let offset = 0; ;) {
    const chunk = fs.readFileFrom(path, offset, KEY_FILE_READ_LIMIT);
    hash.update(chunk);
    offset += chunk.length;
    if (chunk.length < KEY_FILE_READ_LIMIT) break;
  }
  return hash.digest();
}

/** One KDBX file on disk and the database last read from (or written to) it. */
export class KdbxFile {
  #db: Kdbxweb.Kdbx | undefined;
  #stamp: Stamp | undefined;

  constructor(readonly path: string, private readonly fs: FileSystem) {}

  exists(): boolean {
    return this.fs.stat(this.path)?.isFile ?? false;
  }

  /** Forgets the loaded database (after a failed write its in-memory state may differ from disk). */
  forget(): void {
    this.#db = undefined;
    this.#stamp = undefined;
  }

  /** The database as it is on disk now; undefined when the file does not exist. `secrets` is asked only to (re)load. */
  async current(secrets: () => Promise<Secrets>): Promise<Kdbxweb.Kdbx | undefined> {
    const info = this.fs.stat(this.path);
    if (!info) {
      this.forget();
      return undefined;
    }
    const stamp = this.#stamp;
    if (this.#db && stamp && stamp.size === info.size && stamp.mtimeMs === info.mtimeMs && stamp.ino === info.ino) {
      return this.#db;
    }
    const bytes = this.fs.readFile(this.path);
    if (bytes === undefined) {
      this.forget();
      return undefined;
    }
    const sha256 = await sha256Hex(bytes);
    if (this.#db && stamp?.sha256 === sha256) {
      this.#stamp = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 };
      return this.#db;
    }
    this.#db = await this.#load(bytes, await secrets());
    this.#stamp = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 };
    return this.#db;
  }

  /** Opens the file with these secrets (WRONG_PASSWORD if they do not open it) and keeps it loaded. */
  async open(secrets: Secrets): Promise<void> {
    this.forget();
    await this.current(async () => secrets);
  }

  /** A new, empty KDBX 4 database (Argon2id); written by the next `save`. */
  async create(secrets: Secrets, name: string): Promise<Kdbxweb.Kdbx> {
    const kdbxweb = await loadKdbxweb();
    const db = kdbxweb.Kdbx.create(await this.#credentials(secrets), name);
    db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
    const params = db.header.kdfParameters!;
    const { UInt32, UInt64 } = kdbxweb.VarDictionary.ValueType;
    params.set("M", UInt64, kdbxweb.Int64.from(NEW_FILE_KDF.memoryBytes));
    params.set("I", UInt64, kdbxweb.Int64.from(NEW_FILE_KDF.iterations));
    params.set("P", UInt32, NEW_FILE_KDF.parallelism);
    return db;
  }

  /** Writes `db` atomically (temp file, fsync, rename), keeping the file's permissions (new: 0600). */
  async save(db: Kdbxweb.Kdbx): Promise<void> {
    const bytes = new Uint8Array(await db.save());
    const mode = this.fs.stat(this.path)?.mode || 0o600;
    this.fs.writeFileAtomic(this.path, bytes, mode);
    const info = this.fs.stat(this.path)!;
    this.#db = db;
    this.#stamp = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256: await sha256Hex(bytes) };
  }

  async #credentials(secrets: Secrets): Promise<Kdbxweb.Credentials> {
    const kdbxweb = await loadKdbxweb();
    const credentials = new kdbxweb.Credentials(
      kdbxweb.ProtectedValue.fromString(secrets.password),
      secrets.keyFile?.slice() ?? null,
    );
    try {
      await credentials.ready;
    } catch (error) {
      // Only the key file can fail here (a .keyx whose hash does not match its data, or without a key):
      // like a key file of another database, it cannot open this one.
      throw new SecretManagementError("WRONG_PASSWORD", `the key file does not hold a valid key for ${this.path}`, { cause: error });
    }
    return credentials;
  }

  async #load(bytes: Uint8Array, secrets: Secrets): Promise<Kdbxweb.Kdbx> {
    const kdbxweb = await loadKdbxweb();
    const credentials = await this.#credentials(secrets);
    try {
      return await kdbxweb.Kdbx.load(toArrayBuffer(bytes), credentials);
    } catch (error) {
      if (error instanceof SecretManagementError) throw error; // a bound in kdbxweb.ts refused the file
      const code = (error as { code?: string }).code;
      if (code === kdbxweb.Consts.ErrorCodes.InvalidKey) {
        throw new SecretManagementError("WRONG_PASSWORD", `wrong password or key file for ${this.path}`);
      }
      // Anything else (a bad signature or version, a failed block HMAC, a truncated stream) is damage:
      // a cut-off header can read as an unsupported cipher or version just as well.
      throw new SecretManagementError(
        "STORE_CORRUPT",
        `${this.path} is not a readable KDBX file (damaged, truncated or unsupported: ${(error as Error).message})`,
        { cause: error },
      );
    }
  }
}
