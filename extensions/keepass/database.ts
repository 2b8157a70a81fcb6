/**
 * Opening and saving one KDBX file: kdbxweb does the format, hash-wasm does Argon2 (kdbxweb ships
 * none). Both load on first use, so registering a keepass vault costs nothing.
 *
 * A loaded file is remembered with a stamp (size, mtime, inode, SHA-256 of its bytes); before each
 * use the file is stat'ed and, when another program has changed it, read again, so a write always
 * starts from what is on disk.
 */
import type * as Kdbxweb from "kdbxweb";
import { SecretManagementError } from "../../core/errors.ts";
import type { FileSystem } from "../../core/runtime.ts";

export type KdbxModule = typeof Kdbxweb;

let loading: Promise<KdbxModule> | undefined;

/** The most Argon2 work a file may ask for: 1 GiB of memory, and 10 passes over 1 GiB in all. */
const MAX_ARGON2 = { memoryKiB: 1024 * 1024, workKiB: 10 * 1024 * 1024, parallelism: 16 };

/** kdbxweb with hash-wasm's Argon2d/Argon2id plugged in. */
export function loadKdbxweb(): Promise<KdbxModule> {
  loading ??= (async () => {
    const [imported, { argon2d, argon2id }] = await Promise.all([import("kdbxweb"), import("hash-wasm")]);
    // kdbxweb is CommonJS: Node exposes its exports as the namespace, Deno and Bun also as `default`.
    const kdbxweb = ((imported as unknown as { default?: KdbxModule }).default ?? imported) as KdbxModule;
    kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
      const argon2 = type === kdbxweb.CryptoEngine.Argon2TypeArgon2d ? argon2d : argon2id;
      if (version !== 0x13) {
        throw new kdbxweb.KdbxError(kdbxweb.Consts.ErrorCodes.Unsupported, "Argon2 version 1.0 is not supported");
      }
      // The parameters come from the file's header: a crafted file must not make us allocate or spin forever.
      if (memory > MAX_ARGON2.memoryKiB || memory * iterations > MAX_ARGON2.workKiB || parallelism > MAX_ARGON2.parallelism) {
        throw new SecretManagementError(
          "STORE_CORRUPT",
          `the file asks for Argon2 with ${memory} KiB × ${iterations} iterations × ${parallelism} lanes, beyond this extension's bounds`,
        );
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
    return kdbxweb;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

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
    await credentials.ready;
    return credentials;
  }

  async #load(bytes: Uint8Array, secrets: Secrets): Promise<Kdbxweb.Kdbx> {
    const kdbxweb = await loadKdbxweb();
    const credentials = await this.#credentials(secrets);
    try {
      return await kdbxweb.Kdbx.load(toArrayBuffer(bytes), credentials);
    } catch (error) {
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
