/**
 * SecretStore: the encrypted local store behind the `secretstore` vault. An append-only log of
 * sealed records under a random data key that a password (or a 0600 key file) unlocks; an in-memory
 * index from keyed name hashes to frames, built at unlock without decrypting anything; other
 * processes' appends picked up before every operation; every write under the cross-process lock.
 * docs/FORMAT.md describes the bytes.
 */
import { NONCE_LENGTH, open, seal, xchachaOver } from "../crypto/aead.ts";
import { constantTimeEqual, randomBytes, readU32, readU64, toHex, zeroize } from "../crypto/bytes.ts";
import { checkKdfParams, DEFAULT_KDF, derivePasswordKey, KEY_LENGTH, type KdfParams, SALT_LENGTH } from "../crypto/kdf.ts";
import { isSecretManagementError, SecretManagementError } from "../errors.ts";
import type { VaultSecretInfo } from "../extension.ts";
import { type HeldLock, withLock } from "../lock.ts";
import { joinPath } from "../paths.ts";
import type { AppendHandle, FileInfo, FileSystem, Runtime } from "../runtime.ts";
import { copyMetadata, type Metadata, nameKey, secretTypeOf, type SecretValue, validateMetadata, validateSecretName } from "../types.ts";
import { compileWildcard } from "../wildcard.ts";
import {
  corrupt,
  frameHeaderStatus,
  decodeHeader,
  decodeKeyFile,
  decodeLogPrefix,
  DEFAULT_CONFIG,
  encodeHeaderBody,
  encodeKeyFile,
  encodeLogPrefix,
  FRAME_HEADER_LENGTH,
  type Header,
  headerTaggedBytes,
  KIND_DELETE,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  MAX_PAYLOAD_LENGTH,
  openFrame,
  type RecordCipher,
  type RecordKind,
  sealFrame,
  setHeaderTag,
  STORE_ID_LENGTH,
  type StoreConfig,
  unwrapDataKey,
  wrapDataKey,
} from "./format.ts";
import { StoreKeys } from "./keys.ts";
import { decodeInfo, decodePut, encodeDelete, encodePut } from "./payload.ts";

export type { StoreConfig } from "./format.ts";
export type { KdfParams } from "../crypto/kdf.ts";

export interface SecretStoreOptions {
  runtime: Runtime;
  /** The store directory (created 0700 on create). */
  directory: string;
  /**
   * Argon2id parameters for a store this instance creates or re-keys; bounded by the same floor
   * and cap as the header (INVALID_ARGUMENT outside). Default m = 64 MiB, t = 3, p = 1.
   */
  kdf?: KdfParams;
  /** Compaction runs after a write once garbage exceeds both the live bytes and this many bytes. */
  compactionThreshold?: number;
}

export const FILE_NAMES = { header: "store.header", log: "store.log", key: "store.key", lock: "store.lock" } as const;

/** A header written by a data-key rotation, waiting for its log: see `changePassword` and docs/FORMAT.md. */
export const PENDING_HEADER = "store.header.next";
/** Files that only a writer holding the lock creates and that a crash (or a lost lock) can leave behind. */
const TEMP_INFIX = ".tmp-";
const TAKEN_OVER_LOCK_PREFIX = `${FILE_NAMES.lock}.stale-`;

/** Where a frame is: `buffer[start..end)` holds it (clear header, sealed payload); `offset` is its place in the file. */
interface Entry {
  offset: number;
  buffer: Uint8Array;
  start: number;
  end: number;
}

interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface LogState {
  storeId: Uint8Array;
  generation: number;
  /** End of the last whole, in-order frame; bytes after it are a torn (or in-progress) tail. */
  validEnd: number;
  nextSequence: number;
  liveBytes: number;
  stamp: FileStamp;
}

const DEFAULT_COMPACTION_THRESHOLD = 1024 * 1024;
const MAX_CACHED_HASHES = 200_000;
const LOCK_WAIT_MS = 60_000;
/**
 * The longest password timeout, in seconds: the unlock agent keeps a key with one timer, and timers
 * take at most 2^31 - 1 ms (a longer delay fires at once). -1 keeps the key until it is locked.
 */
export const MAX_PASSWORD_TIMEOUT = Math.floor(0x7fffffff / 1000);

function sameStamp(a: FileStamp | undefined, b: FileInfo | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function stampOf(info: FileInfo): FileStamp {
  return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}

/** The 16-byte name hash at `at` as a Map key, built without intermediate allocations. */
function indexKey(b: Uint8Array, at = 0): string {
  return String.fromCharCode(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!,
    b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!,
  );
}

function passwordRequired(directory: string): SecretManagementError {
  return new SecretManagementError("PASSWORD_REQUIRED", `the SecretStore in ${directory} is locked: unlock it with its password`);
}

function wrongPassword(): SecretManagementError {
  return new SecretManagementError("WRONG_PASSWORD", "the password does not unlock this SecretStore");
}

/** An unlock timeout in seconds: -1 (until exit), 0 (one operation) or more; fractions allowed. */
function checkTimeout(timeout: number | undefined): void {
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= -1) || timeout === Infinity)) {
    throw new SecretManagementError("INVALID_ARGUMENT", "the unlock timeout must be a number of seconds, -1 or more");
  }
}

function validateConfigChanges(changes: Partial<StoreConfig>): void {
  const { authentication, passwordTimeout, interaction } = changes;
  if (authentication !== undefined && authentication !== "password" && authentication !== "none") {
    throw new SecretManagementError("INVALID_ARGUMENT", 'authentication must be "password" or "none"');
  }
  if (interaction !== undefined && interaction !== "prompt" && interaction !== "none") {
    throw new SecretManagementError("INVALID_ARGUMENT", 'interaction must be "prompt" or "none"');
  }
  if (
    passwordTimeout !== undefined &&
    (!Number.isInteger(passwordTimeout) || passwordTimeout < -1 || passwordTimeout > MAX_PASSWORD_TIMEOUT)
  ) {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      `passwordTimeout must be a whole number of seconds from -1 to ${MAX_PASSWORD_TIMEOUT}`,
    );
  }
}

/**
 * Stores whose key lives until exit, per runtime: one exit hook locks them all. The references are
 * weak, so a store the program dropped is not kept alive (index and all) by a hook of its own.
 */
const lockedAtExit = new WeakMap<Runtime, Set<WeakRef<SecretStore>>>();

function lockAtExit(runtime: Runtime, store: SecretStore): void {
  let stores = lockedAtExit.get(runtime);
  if (stores === undefined) {
    const all = new Set<WeakRef<SecretStore>>();
    runtime.onExit(() => {
      for (const ref of all) ref.deref()?.lock();
    });
    lockedAtExit.set(runtime, all);
    stores = all;
  }
  for (const ref of stores) if (ref.deref() === undefined) stores.delete(ref);
  stores.add(new WeakRef(store));
}

const testHooks: { keyBuffers?: (store: SecretStore) => Uint8Array[] } = {};

export class SecretStore {
  static {
    testHooks.keyBuffers = (store) => {
      const keys = store.#keys;
      return keys ? [keys.dataKey, keys.recordKey, keys.headerKey] : [];
    };
  }

  readonly directory: string;
  readonly #runtime: Runtime;
  readonly #fs: FileSystem;
  readonly #paths: { header: string; log: string; key: string; lock: string };
  readonly #kdf: KdfParams;
  readonly #compactionThreshold: number;
  readonly #cipher: RecordCipher;

  #header: Header | undefined;
  #headerStamp: FileStamp | undefined;
  #keys: StoreKeys | undefined;
  /** When the key is dropped (ms since epoch); Infinity = until exit. */
  #expiresAt = 0;
  #singleUse = false;
  #exitHookInstalled = false;
  /** The store lock while this object holds it: every file it replaces or appends to is checked against it. */
  #heldLock: HeldLock | undefined;
  /** Whether this object has looked for files left by a crash or a lost lock (done once, under the lock when found). */
  #leftoversChecked = false;
  #log: LogState | undefined;
  #index = new Map<string, Entry>();
  /** Lower-cased name → index key, so a repeated lookup skips the keyed hash; cleared on lock. */
  #hashes = new Map<string, string>();

  private constructor(options: SecretStoreOptions, fs: FileSystem) {
    this.#runtime = options.runtime;
    this.#fs = fs;
    this.directory = options.directory;
    this.#paths = {
      header: joinPath(options.runtime, options.directory, FILE_NAMES.header),
      log: joinPath(options.runtime, options.directory, FILE_NAMES.log),
      key: joinPath(options.runtime, options.directory, FILE_NAMES.key),
      lock: joinPath(options.runtime, options.directory, FILE_NAMES.lock),
    };
    this.#kdf = { ...(options.kdf ?? DEFAULT_KDF) };
    checkKdfParams(this.#kdf, "INVALID_ARGUMENT");
    this.#compactionThreshold = options.compactionThreshold ?? DEFAULT_COMPACTION_THRESHOLD;
    const platform = options.runtime.chacha20poly1305;
    this.#cipher = platform ? xchachaOver(platform) : { seal, open };
  }

  /** Opens the store object; nothing is created or read until it is used. */
  static async open(options: SecretStoreOptions): Promise<SecretStore> {
    const fs = options.runtime.fs;
    if (!fs) throw new SecretManagementError("UNSUPPORTED", "a SecretStore needs a file system; this runtime has none");
    return new SecretStore(options, fs);
  }

  exists(): boolean {
    return this.#readHeader() !== undefined;
  }

  get config(): StoreConfig {
    return { ...(this.#readHeader()?.config ?? DEFAULT_CONFIG) };
  }

  get storeId(): string {
    return toHex(this.#requireHeader().storeId);
  }

  isLocked(): boolean {
    this.#expire();
    if (this.#keys !== undefined) return false;
    return this.#readHeader()?.config.authentication !== "none";
  }

  async create(options: { password?: string; config?: Partial<StoreConfig> } = {}): Promise<void> {
    const config = { ...DEFAULT_CONFIG, ...options.config };
    validateConfigChanges(config);
    this.#checkNewPassword(config, options.password);
    this.#fs.mkdir(this.directory, 0o700);
    await this.#withStoreLock(async () => {
      if (this.#readHeader() !== undefined) {
        throw new SecretManagementError("VAULT_EXISTS", `a SecretStore already exists in ${this.directory}`);
      }
      await this.#writeNewStore(config, options.password);
    });
  }

  async reset(options: { force: boolean; password?: string; config?: Partial<StoreConfig> }): Promise<void> {
    if (options?.force !== true) {
      throw new SecretManagementError("INVALID_ARGUMENT", "reset deletes every secret: pass { force: true } to confirm");
    }
    const config = { ...DEFAULT_CONFIG, ...options.config };
    validateConfigChanges(config);
    this.#checkNewPassword(config, options.password);
    this.#fs.mkdir(this.directory, 0o700);
    await this.#withStoreLock(async () => {
      this.lock();
      await this.#writeNewStore(config, options.password);
    });
  }

  async setConfig(changes: Partial<StoreConfig>, options: { password?: string } = {}): Promise<void> {
    validateConfigChanges(changes);
    if (this.isLocked()) {
      if (options.password === undefined) throw passwordRequired(this.directory);
      await this.unlock(options.password);
    }
    await this.#withStoreLock(async () => {
      const header = this.#requireHeader();
      const keys = this.#requireKeys();
      const config = { ...header.config, ...changes };
      if (config.authentication === header.config.authentication) {
        this.#writeHeader(keys, config, header);
      } else if (config.authentication === "none") {
        // Key file first, header last: a crash in between leaves a key file that the next unlock removes.
        this.#replaceFile(this.#paths.key, encodeKeyFile(header.storeId, keys.dataKey));
        this.#writeHeader(keys, config, undefined);
      } else {
        if (options.password === undefined) {
          throw new SecretManagementError("PASSWORD_REQUIRED", "switching to password authentication needs the new password");
        }
        await this.#writeHeaderWithPassword(keys, config, header.storeId, options.password);
        this.#fs.remove(this.#paths.key);
      }
    });
  }

  async unlock(password: string, options: { timeout?: number } = {}): Promise<void> {
    if (typeof password !== "string") throw new SecretManagementError("INVALID_ARGUMENT", "the password must be a string");
    checkTimeout(options.timeout);
    await this.#cleanLeftovers();
    const header = this.#requireHeader();
    if (header.config.authentication === "none") {
      this.#adoptKeys(this.#loadKeyFile(header), options.timeout);
      return;
    }
    const kek = await derivePasswordKey(password, header.salt, header.kdf!);
    const dataKey = unwrapDataKey(kek, header);
    zeroize(kek);
    if (dataKey === undefined) throw wrongPassword();
    const keys = new StoreKeys(dataKey);
    if (!constantTimeEqual(keys.headerTag(headerTaggedBytes(header.bytes)), header.tag)) {
      keys.destroy();
      throw corrupt("the header does not match its tag");
    }
    this.#adoptKeys(keys, options.timeout);
    // A key file left by a crash during an authentication switch must not outlive it.
    if (this.#fs.stat(this.#paths.key) !== undefined) this.#fs.remove(this.#paths.key);
    if (this.#log!.stamp.size > this.#log!.validEnd) await this.#locked(() => undefined);
  }

  unlockWithDataKey(key: Uint8Array, options: { timeout?: number } = {}): void {
    checkTimeout(options.timeout);
    const header = this.#requireHeader();
    if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) throw wrongPassword();
    const keys = new StoreKeys(key.slice());
    if (!constantTimeEqual(keys.headerTag(headerTaggedBytes(header.bytes)), header.tag)) {
      keys.destroy();
      throw wrongPassword();
    }
    this.#adoptKeys(keys, options.timeout);
  }

  /** Zeroes the data key and its subkeys and forgets the index. */
  lock(): void {
    this.#keys?.destroy();
    this.#keys = undefined;
    this.#log = undefined;
    this.#index = new Map();
    this.#hashes = new Map();
    this.#singleUse = false;
    this.#expiresAt = 0;
  }

  /**
   * Rewraps the data key under `newPassword`. With `rotateKey`, re-encrypts every secret under a new
   * data key (and store id) instead, so that old copies of the header or key file, and keys handed out
   * before (the unlock agent's), no longer open what is written from now on. Either way the header's
   * tag is verified first: a tampered configuration is never re-signed.
   */
  async changePassword(oldPassword: string, newPassword: string, options: { rotateKey?: boolean } = {}): Promise<void> {
    if (typeof newPassword !== "string" || newPassword.length === 0) {
      throw new SecretManagementError("INVALID_ARGUMENT", "the new password must not be empty");
    }
    await this.#withStoreLock(async () => { // taking the lock deals with leftovers first
      const header = this.#requireHeader();
      if (header.config.authentication !== "password") {
        throw new SecretManagementError("INVALID_ARGUMENT", "this SecretStore has no password; set authentication to password instead");
      }
      const kek = await derivePasswordKey(oldPassword, header.salt, header.kdf!);
      const dataKey = unwrapDataKey(kek, header);
      zeroize(kek);
      if (dataKey === undefined) throw wrongPassword();
      const keys = new StoreKeys(dataKey);
      if (!constantTimeEqual(keys.headerTag(headerTaggedBytes(header.bytes)), header.tag)) {
        keys.destroy();
        throw corrupt("the header does not match its tag");
      }
      if (options.rotateKey === true) {
        this.#adoptKeys(keys, undefined); // the old key reads the records being re-encrypted
        await this.#rotateDataKey(header.config, newPassword);
        return;
      }
      const wasUnlocked = this.#keysOrUndefined() !== undefined;
      try {
        await this.#writeHeaderWithPassword(keys, header.config, header.storeId, newPassword);
      } finally {
        if (wasUnlocked) keys.destroy();
      }
      if (!wasUnlocked) this.#adoptKeys(keys, undefined);
    });
  }

  /** A copy of the data key, for the CLI's unlock agent. */
  exportDataKey(): Uint8Array {
    return this.#requireKeys().dataKey.slice();
  }

  async get(name: string): Promise<SecretValue | undefined> {
    validateSecretName(name);
    return await this.#use(async () => {
      const catchingUp = this.#sync();
      if (catchingUp) await catchingUp;
      const entry = this.#index.get(this.#indexKeyOf(name));
      return entry && this.#openPut(entry, name).value;
    });
  }

  async set(name: string, value: SecretValue, metadata?: Metadata, options: { noClobber?: boolean } = {}): Promise<void> {
    validateSecretName(name);
    secretTypeOf(value);
    if (metadata !== undefined) validateMetadata(metadata);
    await this.#use(() =>
      this.#locked((logFile) => {
        const hash = this.#keys!.nameHash(nameKey(name));
        const existing = this.#index.get(indexKey(hash));
        if (existing && options.noClobber) {
          throw new SecretManagementError("SECRET_EXISTS", `a secret named "${this.#openPut(existing, name).name}" already exists`);
        }
        const kept = metadata ?? (existing ? this.#openPut(existing, name).metadata : {});
        this.#append(logFile, KIND_PUT, hash, encodePut(name, value, copyMetadata(kept)));
      })
    );
  }

  async remove(name: string): Promise<void> {
    validateSecretName(name);
    await this.#use(() =>
      this.#locked((logFile) => {
        const hash = this.#keys!.nameHash(nameKey(name));
        if (!this.#index.has(indexKey(hash))) {
          throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
        }
        this.#append(logFile, KIND_DELETE, hash, encodeDelete(name));
      })
    );
  }

  async setMetadata(name: string, metadata: Metadata): Promise<void> {
    validateSecretName(name);
    validateMetadata(metadata);
    await this.#use(() =>
      this.#locked((logFile) => {
        const hash = this.#keys!.nameHash(nameKey(name));
        const existing = this.#index.get(indexKey(hash));
        if (!existing) throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
        const current = this.#openPut(existing, name);
        this.#append(logFile, KIND_PUT, hash, encodePut(current.name, current.value, copyMetadata(metadata)));
      })
    );
  }

  async list(filter: string): Promise<VaultSecretInfo[]> {
    const matches = compileWildcard(filter);
    return await this.#use(async () => {
      await this.#sync();
      const infos: VaultSecretInfo[] = [];
      for (const entry of this.#index.values()) {
        const info = decodeInfo(this.#openEntry(entry));
        if (matches(info.name)) infos.push(info);
      }
      return infos;
    });
  }

  /** Rewrites the log with only the live records, re-sealed under the next generation. */
  async compact(): Promise<void> {
    await this.#use(() => this.#locked(() => this.#compact()));
  }

  // -------------------------------------------------------------------------------------------
  // Keys and expiry

  #expire(): void {
    if (this.#keys !== undefined && !this.#singleUse && Date.now() >= this.#expiresAt) this.lock();
  }

  #keysOrUndefined(): StoreKeys | undefined {
    this.#expire();
    return this.#keys;
  }

  /** The keys, loading the key file in no-password mode. The header is re-read only when locked or the log changed. */
  #requireKeys(): StoreKeys {
    const keys = this.#keysOrUndefined();
    if (keys !== undefined) return keys;
    const header = this.#requireHeader();
    if (header.config.authentication === "none") {
      this.#adoptKeys(this.#loadKeyFile(header), undefined);
      return this.#keys!;
    }
    throw passwordRequired(this.directory);
  }

  #adoptKeys(keys: StoreKeys, timeout: number | undefined): void {
    const seconds = this.#header!.config.authentication === "none" ? -1 : timeout ?? this.#header!.config.passwordTimeout;
    this.lock();
    this.#keys = keys;
    this.#singleUse = seconds === 0;
    this.#expiresAt = seconds < 0 ? Infinity : Date.now() + seconds * 1000;
    if (seconds < 0 && !this.#exitHookInstalled) {
      this.#exitHookInstalled = true;
      lockAtExit(this.#runtime, this);
    }
    try {
      this.#loadLog();
    } catch (error) {
      this.lock();
      throw error;
    }
  }

  #loadKeyFile(header: Header): StoreKeys {
    const bytes = this.#fs.readFile(this.#paths.key);
    if (bytes === undefined) throw corrupt(`the key file ${this.#paths.key} is missing`);
    const { storeId, dataKey } = decodeKeyFile(bytes);
    zeroize(bytes);
    const keys = new StoreKeys(dataKey);
    if (
      !constantTimeEqual(storeId, header.storeId) ||
      !constantTimeEqual(keys.headerTag(headerTaggedBytes(header.bytes)), header.tag)
    ) {
      keys.destroy();
      throw corrupt("the key file does not belong to this store's header");
    }
    return keys;
  }

  /** Runs a data operation with the key; single-use keys are dropped after it. */
  async #use<T>(work: () => Promise<T>): Promise<T> {
    await this.#cleanLeftovers();
    this.#requireKeys();
    try {
      return await work();
    } finally {
      if (this.#singleUse) this.lock();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Header

  #readHeader(): Header | undefined {
    this.#refreshHeader();
    return this.#header;
  }

  #requireHeader(): Header {
    const header = this.#readHeader();
    if (header === undefined) {
      throw new SecretManagementError("VAULT_UNAVAILABLE", `there is no SecretStore in ${this.directory} yet`);
    }
    return header;
  }

  /** Re-reads the header when its file changed; a different store id (a reset elsewhere) drops our key. */
  #refreshHeader(): void {
    const info = this.#fs.stat(this.#paths.header);
    if (sameStamp(this.#headerStamp, info)) return;
    if (info === undefined) {
      this.#header = undefined;
      this.#headerStamp = undefined;
      this.lock();
      return;
    }
    if (!info.isFile) throw corrupt(`${this.#paths.header} is not a file`);
    const bytes = this.#fs.readFile(this.#paths.header);
    if (bytes === undefined) {
      this.#header = undefined;
      this.#headerStamp = undefined;
      this.lock();
      return;
    }
    const header = decodeHeader(bytes);
    if (header.kdf) checkKdfParams(header.kdf, "STORE_CORRUPT");
    if (this.#header !== undefined && !constantTimeEqual(this.#header.storeId, header.storeId)) this.lock();
    this.#header = header;
    this.#headerStamp = stampOf(info);
  }

  #checkNewPassword(config: StoreConfig, password: string | undefined): void {
    if (config.authentication === "password" && (typeof password !== "string" || password.length === 0)) {
      throw new SecretManagementError("PASSWORD_REQUIRED", "a new SecretStore with password authentication needs a password");
    }
  }

  /** Writes header fields that need no password: the wrapped key (if any) is kept from `previous`. */
  #writeHeader(keys: StoreKeys, config: StoreConfig, previous: Header | undefined): void {
    const storeId = this.#header!.storeId;
    const zeroSalt = new Uint8Array(SALT_LENGTH);
    const body = encodeHeaderBody({
      config,
      storeId,
      kdf: config.authentication === "password" ? previous!.kdf : undefined,
      salt: config.authentication === "password" ? previous!.salt : zeroSalt,
      wrapNonce: config.authentication === "password" ? previous!.wrapNonce : new Uint8Array(NONCE_LENGTH),
      wrappedKey: config.authentication === "password" ? previous!.wrappedKey : new Uint8Array(KEY_LENGTH + 16),
    });
    this.#commitHeader(keys, body);
  }

  async #writeHeaderWithPassword(keys: StoreKeys, config: StoreConfig, storeId: Uint8Array, password: string): Promise<void> {
    this.#replaceFile(this.#paths.header, await this.#passwordHeader(keys, config, storeId, password));
    this.#headerStamp = undefined;
    this.#refreshHeader();
  }

  /** A whole, tagged header whose data key is wrapped under `password` (new salt and nonce). */
  async #passwordHeader(keys: StoreKeys, config: StoreConfig, storeId: Uint8Array, password: string): Promise<Uint8Array> {
    const salt = randomBytes(SALT_LENGTH);
    const wrapNonce = randomBytes(NONCE_LENGTH);
    const kdf = { ...this.#kdf };
    const body = encodeHeaderBody({ config, storeId, kdf, salt, wrapNonce, wrappedKey: new Uint8Array(KEY_LENGTH + 16) });
    const kek = await derivePasswordKey(password, salt, kdf);
    body.set(wrapDataKey(kek, wrapNonce, keys.dataKey, body), 88);
    zeroize(kek);
    setHeaderTag(body, keys.headerTag(headerTaggedBytes(body)));
    return body;
  }

  #commitHeader(keys: StoreKeys, body: Uint8Array): void {
    setHeaderTag(body, keys.headerTag(headerTaggedBytes(body)));
    this.#replaceFile(this.#paths.header, body);
    this.#headerStamp = undefined;
    this.#refreshHeader();
  }

  /** Create and reset: log first, key file, header last (the header's presence means the store exists). */
  async #writeNewStore(config: StoreConfig, password: string | undefined): Promise<void> {
    const storeId = randomBytes(STORE_ID_LENGTH);
    const keys = new StoreKeys(randomBytes(KEY_LENGTH));
    try {
      this.#replaceFile(this.#paths.log, encodeLogPrefix({ storeId, generation: 1 }));
      if (config.authentication === "none") {
        this.#replaceFile(this.#paths.key, encodeKeyFile(storeId, keys.dataKey));
        const body = encodeHeaderBody({
          config,
          storeId,
          kdf: undefined,
          salt: new Uint8Array(SALT_LENGTH),
          wrapNonce: new Uint8Array(NONCE_LENGTH),
          wrappedKey: new Uint8Array(KEY_LENGTH + 16),
        });
        this.#commitHeader(keys, body);
      } else {
        this.#fs.remove(this.#paths.key);
        await this.#writeHeaderWithPassword(keys, config, storeId, password!);
      }
    } catch (error) {
      keys.destroy();
      this.#header = undefined;
      this.#headerStamp = undefined;
      throw error;
    }
    this.#adoptKeys(keys, undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Log: loading, following other processes, appending, compaction

  /*
   * Writers and the lock. A lock whose holder seems stale (dead, or holding it past the stale age) is
   * taken over. But a holder that was only paused (SIGSTOP, a suspended VM) resumes later believing it
   * still holds the lock; what it then writes must be harmless. So:
   *
   * - Appends go through the log file opened *before* the writer checks that the lock file still names
   *   it, and only if that open file is still the log it read, at the size it read. The takeover
   *   leaves the old lock file behind (`store.lock.stale-*`), and the next holder, before anything
   *   else, copies `store.log` to a new file renamed over it: a paused writer that resumes after its
   *   check therefore appends to the old, unlinked file, never to the live log. After appending, a
   *   writer checks the file grew by exactly its frame and that it still holds the lock; otherwise it
   *   reports LOCK_TIMEOUT (or IO_ERROR) and, if it still holds the lock, cuts its bytes off again.
   * - Files replaced whole (header, key file, compaction) are written to a `*.tmp-*` file, the lock is
   *   checked, then the file is renamed into place. Each holder removes every `*.tmp-*` file before it
   *   does anything, so a paused writer's temporary file is gone by the time it could rename it.
   */

  /** Many writers queue on one lock (each holding it for one append), so wait longer than the default. */
  #withStoreLock<T>(work: () => T | Promise<T>): Promise<T> {
    return withLock(this.#runtime, this.#paths.lock, async (lock) => {
      this.#heldLock = lock;
      try {
        this.#recoverLeftovers();
        return await work();
      } finally {
        this.#heldLock = undefined;
      }
    }, { timeoutMs: LOCK_WAIT_MS, keepTakenOverLocks: true });
  }

  /** Throws LOCK_TIMEOUT unless this object holds the store lock right now. */
  #checkLockHeld(): void {
    if (this.#heldLock?.isHeld() !== true) {
      throw new SecretManagementError(
        "LOCK_TIMEOUT",
        `this process lost the lock ${this.#paths.lock} to another one (it was paused for longer than a lock may be held); the change was not made`,
      );
    }
  }

  /** Replaces `path` whole (temporary file, fsync, lock check, rename); the temporary file never outlives a failure. */
  #replaceFile(path: string, bytes: Uint8Array): void {
    const temp = `${path}${TEMP_INFIX}${this.#runtime.pid}-${toHex(randomBytes(6))}`;
    try {
      const file = this.#fs.openAppend(temp, 0o600);
      try {
        file.append(bytes);
      } finally {
        file.close();
      }
      this.#checkLockHeld();
      this.#fs.rename(temp, path);
    } catch (error) {
      try {
        this.#fs.remove(temp);
      } catch {
        // the next holder of the lock removes it
      }
      throw error;
    }
  }

  /** Whether the directory holds files that a crash or a lost lock left behind (one directory listing). */
  #hasLeftovers(): boolean {
    const names = this.#fs.stat(this.directory) === undefined ? [] : this.#fs.readDir(this.directory);
    return names.some((name) => name.includes(TEMP_INFIX) || name === PENDING_HEADER || name.startsWith(TAKEN_OVER_LOCK_PREFIX));
  }

  /** Once per store object (at its first unlock or use): deals with leftovers under the lock if there are any. */
  async #cleanLeftovers(): Promise<void> {
    if (this.#leftoversChecked) return;
    if (this.#hasLeftovers()) await this.#withStoreLock(() => undefined);
    this.#leftoversChecked = true;
  }

  /**
   * Run by every holder of the lock first: removes temporary files (a crash, or a writer that lost the
   * lock), finishes or drops a data-key rotation, and after a takeover moves the log to a new file so
   * that the previous holder, if merely paused, can no longer append to it.
   */
  #recoverLeftovers(): void {
    if (this.#fs.stat(this.directory) === undefined) return;
    const names = this.#fs.readDir(this.directory);
    for (const name of names) {
      if (name.startsWith(`${FILE_NAMES.header}${TEMP_INFIX}`) || name.startsWith(`${FILE_NAMES.log}${TEMP_INFIX}`) ||
        name.startsWith(`${FILE_NAMES.key}${TEMP_INFIX}`) || name.startsWith(`${PENDING_HEADER}${TEMP_INFIX}`)) {
        this.#fs.remove(joinPath(this.#runtime, this.directory, name));
      }
    }
    if (names.includes(PENDING_HEADER)) this.#finishRotation();
    const takenOver = names.filter((name) => name.startsWith(TAKEN_OVER_LOCK_PREFIX));
    if (takenOver.length > 0) {
      const log = this.#fs.readFile(this.#paths.log);
      if (log !== undefined) this.#replaceFile(this.#paths.log, log);
      for (const name of takenOver) this.#fs.remove(joinPath(this.#runtime, this.directory, name));
    }
  }

  /**
   * Runs `work` under the store lock after catching up with the log and dropping a torn tail. `work`
   * gets the log file, opened before the lock was checked (see above).
   */
  async #locked<T>(work: (logFile: AppendHandle) => T): Promise<T> {
    return await this.#withStoreLock(() => {
      this.#requireKeys();
      if (this.#fs.stat(this.#paths.log) === undefined) throw corrupt(`the log file ${this.#paths.log} is missing`);
      const logFile = this.#fs.openAppend(this.#paths.log);
      try {
        this.#checkLockHeld();
        this.#syncNow();
        const log = this.#log!;
        const opened = logFile.stat();
        if (opened.ino !== log.stamp.ino) {
          throw new SecretManagementError("IO_ERROR", `${this.#paths.log} was replaced while this process held the lock`);
        }
        if (opened.size > log.validEnd) {
          this.#runtime.writeStderr(
            `secretstore: dropping ${opened.size - log.validEnd} bytes of an incomplete record at the end of ${this.#paths.log} (an interrupted write)\n`,
          );
          logFile.truncate(log.validEnd);
          log.stamp = stampOf(logFile.stat());
        }
        return work(logFile);
      } finally {
        logFile.close();
      }
    });
  }

  /** Catches up with the log; when it belongs to another store id, re-checks under the lock (a reset in progress). */
  #sync(): Promise<void> | undefined {
    try {
      this.#syncNow();
      return undefined; // the common case stays synchronous: reads are a few microseconds
    } catch (error) {
      if (!(error instanceof StoreReplaced)) throw error;
      return this.#withStoreLock(() => {
        this.#requireKeys();
        this.#syncNow();
      });
    }
  }

  #syncNow(): void {
    if (this.#keys === undefined) throw passwordRequired(this.directory);
    const log = this.#log;
    const info = this.#fs.stat(this.#paths.log);
    if (log !== undefined && sameStamp(log.stamp, info)) return;
    this.#refreshHeader(); // a reset elsewhere replaces both files and drops our key here
    if (this.#keys === undefined) throw passwordRequired(this.directory);
    if (info === undefined) throw corrupt(`the log file ${this.#paths.log} is missing`);
    if (log === undefined || info.ino !== log.stamp.ino || info.size < log.validEnd) {
      this.#loadLog();
      return;
    }
    const tailStart = log.validEnd;
    const tail = this.#fs.readFileFrom(this.#paths.log, tailStart);
    const prefix = decodeLogPrefix(this.#fs.readFileFrom(this.#paths.log, 0, LOG_PREFIX_LENGTH));
    if (prefix.generation !== log.generation || !constantTimeEqual(prefix.storeId, log.storeId)) {
      this.#loadLog();
      return;
    }
    this.#parseFrames(tail, log.validEnd, log);
    // From where the tail was read: parsing has already moved validEnd past its whole frames.
    log.stamp = { ino: info.ino, size: tailStart + tail.length, mtimeMs: info.mtimeMs };
  }

  #loadLog(): void {
    const info = this.#fs.stat(this.#paths.log);
    const bytes = this.#fs.readFile(this.#paths.log);
    if (info === undefined || bytes === undefined) throw corrupt(`the log file ${this.#paths.log} is missing`);
    const prefix = decodeLogPrefix(bytes);
    if (!constantTimeEqual(prefix.storeId, this.#header!.storeId)) throw new StoreReplaced();
    const log: LogState = {
      storeId: prefix.storeId,
      generation: prefix.generation,
      validEnd: LOG_PREFIX_LENGTH,
      nextSequence: 1,
      liveBytes: 0,
      stamp: { ino: info.ino, size: bytes.length, mtimeMs: info.mtimeMs },
    };
    this.#index = new Map();
    this.#parseFrames(bytes.subarray(LOG_PREFIX_LENGTH), LOG_PREFIX_LENGTH, log);
    this.#log = log;
  }

  /**
   * Indexes whole frames from `bytes` (which start at file offset `base`) and advances
   * `log.validEnd`. An incomplete frame at the end is left alone (a torn tail, or another process
   * appending right now); a damaged header or a sequence gap is STORE_CORRUPT.
   */
  #parseFrames(bytes: Uint8Array, base: number, log: LogState): void {
    let offset = 0;
    while (offset < bytes.length) {
      const status = frameHeaderStatus(bytes, offset);
      if (status === "short") break;
      if (status === "damaged") {
        if (bytes.subarray(offset).every((b) => b === 0)) break; // a tail the file system extended but never wrote
        throw corrupt(`damaged record header at byte ${base + offset} of ${this.#paths.log}`);
      }
      const end = offset + FRAME_HEADER_LENGTH + readU32(bytes, offset);
      if (end > bytes.length) break;
      if (readU64(bytes, offset + 8) !== log.nextSequence) {
        throw corrupt(`record at byte ${base + offset} is out of sequence (records swapped, repeated or removed)`);
      }
      const key = indexKey(bytes, offset + 16);
      const entry: Entry = { offset: base + offset, buffer: bytes, start: offset, end };
      const previous = this.#index.get(key);
      if (previous) log.liveBytes -= previous.end - previous.start;
      if (bytes[offset + 4] === KIND_PUT) {
        this.#index.set(key, entry);
        log.liveBytes += end - offset;
      } else {
        // A delete hides a secret, so it is authenticated now rather than trusted on its clear header.
        this.#openEntry(entry, log);
        this.#index.delete(key);
      }
      log.nextSequence++;
      offset = end;
    }
    log.validEnd = base + offset;
  }

  #indexKeyOf(name: string): string {
    const lower = nameKey(name);
    let key = this.#hashes.get(lower);
    if (key === undefined) {
      key = indexKey(this.#keys!.nameHash(lower));
      if (this.#hashes.size >= MAX_CACHED_HASHES) this.#hashes.clear();
      this.#hashes.set(lower, key);
    }
    return key;
  }

  #openEntry(entry: Entry, log: LogState = this.#log!): Uint8Array {
    const position = { storeId: log.storeId, generation: log.generation, offset: entry.offset };
    const frame = entry.buffer.subarray(entry.start, entry.end);
    const payload = openFrame(this.#keys!.recordKey, position, frame, this.#cipher);
    if (payload === undefined) throw corrupt(`the record at byte ${entry.offset} fails authentication`);
    return payload;
  }

  /** Decrypts a put and checks it really is the secret asked for (a keyed-hash collision or tampering is refused). */
  #openPut(entry: Entry, name: string) {
    const payload = decodePut(this.#openEntry(entry));
    if (nameKey(payload.name) !== nameKey(name)) throw corrupt(`the record at byte ${entry.offset} holds another name`);
    return payload;
  }

  /**
   * Appends one record (the caller holds the lock and has synced) through the log file it opened
   * before checking the lock. A write that fsync acknowledged is reported as done even if compaction
   * after it fails: that failure is a warning, and the next write tries again.
   */
  #append(logFile: AppendHandle, kind: RecordKind, nameHash: Uint8Array, payload: Uint8Array): void {
    if (payload.length > MAX_PAYLOAD_LENGTH) {
      throw new SecretManagementError("INVALID_ARGUMENT", `a secret may be at most ${MAX_PAYLOAD_LENGTH} bytes once encoded`);
    }
    const log = this.#log!;
    const offset = log.validEnd;
    const frame = sealFrame(
      this.#keys!.recordKey,
      { storeId: log.storeId, generation: log.generation, offset },
      { kind, sequence: log.nextSequence, nameHash, nonce: randomBytes(NONCE_LENGTH) },
      payload,
      this.#cipher,
    );
    zeroize(payload);
    this.#checkLockHeld();
    if (logFile.stat().size !== offset) {
      throw new SecretManagementError("IO_ERROR", `${this.#paths.log} changed while this process held the lock; nothing was written`);
    }
    try {
      logFile.append(frame);
      const written = logFile.stat().size === offset + frame.length;
      this.#checkLockHeld();
      if (!written) {
        throw new SecretManagementError("IO_ERROR", `another process wrote to ${this.#paths.log} while this one held the lock`);
      }
    } catch (error) {
      // Whatever got into the file after `offset` is not an acknowledged record: cut it off while the lock is ours.
      if (this.#heldLock?.isHeld() === true) logFile.truncate(offset);
      throw error;
    }
    const info = logFile.stat();
    this.#parseFrames(frame, offset, log);
    log.stamp = stampOf(info);
    const garbage = log.validEnd - LOG_PREFIX_LENGTH - log.liveBytes;
    if (garbage > this.#compactionThreshold && garbage > log.liveBytes) {
      try {
        this.#compact();
      } catch (error) {
        this.#runtime.writeStderr(
          `secretstore: warning: the write is saved, but compacting ${this.#paths.log} failed (${(error as Error).message}); the next write tries again\n`,
        );
      }
    }
  }

  /** The live records re-sealed under `keys` into a log of `storeId` and `generation`, in file order. */
  #resealLog(keys: StoreKeys, storeId: Uint8Array, generation: number, renameHashes: boolean): Uint8Array {
    const entries = [...this.#index.values()].sort((a, b) => a.offset - b.offset);
    const frames: Uint8Array[] = [encodeLogPrefix({ storeId, generation })];
    let offset = LOG_PREFIX_LENGTH;
    let sequence = 1;
    for (const entry of entries) {
      const payload = this.#openEntry(entry);
      const nameHash = renameHashes
        ? keys.nameHash(nameKey(decodeInfo(payload).name))
        : entry.buffer.slice(entry.start + 16, entry.start + 32);
      const frame = sealFrame(
        keys.recordKey,
        { storeId, generation, offset },
        { kind: KIND_PUT, sequence: sequence++, nameHash, nonce: randomBytes(NONCE_LENGTH) },
        payload,
        this.#cipher,
      );
      zeroize(payload);
      frames.push(frame);
      offset += frame.length;
    }
    const bytes = new Uint8Array(offset);
    let at = 0;
    for (const frame of frames) {
      bytes.set(frame, at);
      at += frame.length;
    }
    return bytes;
  }

  #compact(): void {
    const old = this.#log!;
    this.#replaceFile(this.#paths.log, this.#resealLog(this.#keys!, old.storeId, old.generation + 1, false));
    this.#loadLog();
  }

  /**
   * Re-encrypts the store under a new data key and store id (the caller holds the lock, is unlocked
   * with the old key and has checked the old password). Crash-safe in three steps: the new header
   * goes to `store.header.next`; the new log is renamed over `store.log` (the commit); the new header
   * is renamed over `store.header`. Whoever next takes the lock finishes a rotation whose log was
   * committed (the pending header's store id is the log's) and drops one that was not.
   */
  async #rotateDataKey(config: StoreConfig, newPassword: string): Promise<void> {
    this.#syncNow();
    const storeId = randomBytes(STORE_ID_LENGTH);
    const keys = new StoreKeys(randomBytes(KEY_LENGTH));
    try {
      const log = this.#resealLog(keys, storeId, 1, true);
      const header = await this.#passwordHeader(keys, config, storeId, newPassword);
      this.#replaceFile(joinPath(this.#runtime, this.directory, PENDING_HEADER), header);
      this.#replaceFile(this.#paths.log, log);
      this.#finishRotation();
    } catch (error) {
      keys.destroy();
      throw error;
    }
    this.#adoptKeys(keys, undefined);
  }

  /** Renames a pending rotation header into place if the log is the rotated one; else removes it. */
  #finishRotation(): void {
    const pendingPath = joinPath(this.#runtime, this.directory, PENDING_HEADER);
    const pending = this.#fs.readFile(pendingPath);
    if (pending === undefined) return;
    let committed = false;
    try {
      const prefix = decodeLogPrefix(this.#fs.readFileFrom(this.#paths.log, 0, LOG_PREFIX_LENGTH));
      committed = constantTimeEqual(decodeHeader(pending).storeId, prefix.storeId);
    } catch (error) {
      // Only damage decides that the rotation did not commit. A failed read decides nothing: dropping
      // the pending header of a committed rotation would lose the only wrap of the new data key.
      if (!isSecretManagementError(error, "STORE_CORRUPT")) throw error;
      committed = false;
    }
    if (!committed) {
      this.#fs.remove(pendingPath);
      return;
    }
    this.#checkLockHeld();
    this.#fs.rename(pendingPath, this.#paths.header);
    this.#headerStamp = undefined;
    this.#refreshHeader();
  }
}

/** The log belongs to another store id than the header we hold: a reset elsewhere, maybe in progress. */
class StoreReplaced extends SecretManagementError {
  constructor() {
    super("STORE_CORRUPT", "the SecretStore log belongs to another store (it was reset)");
  }
}

/** Internals for tests only: the key buffers an unlocked store holds, to prove lock() zeroes them. */
export const __TESTS = {
  keyBuffers(store: SecretStore): Uint8Array[] {
    return testHooks.keyBuffers!(store);
  },
};
