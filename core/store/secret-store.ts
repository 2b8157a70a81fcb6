/**
 * SecretStore: the encrypted local store behind the `secretstore` vault. An append-only log of
 * sealed records under a random data key that a password (or a 0600 key file) unlocks; an in-memory
 * index from keyed name hashes to frames, built at unlock without decrypting anything; other
 * processes' appends picked up before every operation; every write under the cross-process lock.
 * docs/FORMAT.md describes the bytes.
 *
 * This file is the facade: the public API and the steps that span the parts. The parts are
 * `format.ts` (every byte layout), `directory.ts` (file names, the lock, whole-file replacement),
 * `key-state.ts` (the data key's lifetime and the ways to unlock), `header-file.ts` (reading and
 * building `store.header`), `log.ts` (the index, following, appending, compaction), `keys.ts`
 * (subkeys) and `payload.ts` (the record plaintext).
 */
import { open, seal, xchachaOver } from "../crypto/aead.ts";
import { constantTimeEqual, randomBytes, toHex } from "../crypto/bytes.ts";
import { checkKdfParams, DEFAULT_KDF, KEY_LENGTH, type KdfParams } from "../crypto/kdf.ts";
import { isSecretManagementError, SecretManagementError, secretExists, secretNotFound } from "../errors.ts";
import type { VaultSecretInfo } from "../extension.ts";
import type { AppendHandle, FileSystem, Runtime } from "../runtime.ts";
import { copyMetadata, type Metadata, nameKey, secretTypeOf, type SecretValue, validateMetadata, validateSecretName } from "../types.ts";
import { compileWildcard } from "../wildcard.ts";
import { StoreDirectory } from "./directory.ts";
import {
  corrupt,
  decodeHeader,
  decodeLogPrefix,
  DEFAULT_CONFIG,
  encodeKeyFile,
  encodeLogPrefix,
  type Header,
  KIND_DELETE,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  STORE_ID_LENGTH,
  type StoreConfig,
} from "./format.ts";
import { configHeader, HeaderFile, passwordHeader } from "./header-file.ts";
import { KeyState, keysFromDataKey, keysFromKeyFile, keysFromPassword } from "./key-state.ts";
import { StoreKeys } from "./keys.ts";
import { StoreLog, StoreReplaced } from "./log.ts";
import { encodeDelete, encodePut } from "./payload.ts";

export type { StoreConfig } from "./format.ts";
export type { KdfParams } from "../crypto/kdf.ts";
export { FILE_NAMES, PENDING_HEADER } from "./directory.ts";

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

const DEFAULT_COMPACTION_THRESHOLD = 1024 * 1024;
/**
 * The longest password timeout, in seconds: the unlock agent keeps a key with one timer, and timers
 * take at most 2^31 - 1 ms (a longer delay fires at once). -1 keeps the key until it is locked.
 */
export const MAX_PASSWORD_TIMEOUT = Math.floor(0x7fffffff / 1000);

function passwordRequired(directory: string): SecretManagementError {
  return new SecretManagementError("PASSWORD_REQUIRED", `the SecretStore in ${directory} is locked: unlock it with its password`);
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

function checkNewPassword(config: StoreConfig, password: string | undefined): void {
  if (config.authentication === "password" && (typeof password !== "string" || password.length === 0)) {
    throw new SecretManagementError("PASSWORD_REQUIRED", "a new SecretStore with password authentication needs a password");
  }
}

export class SecretStore {
  readonly directory: string;
  readonly #fs: FileSystem;
  readonly #files: StoreDirectory;
  readonly #kdf: KdfParams;
  readonly #keyState: KeyState;
  readonly #header: HeaderFile;
  readonly #log: StoreLog;
  /** Whether this object has looked for files left by a crash or a lost lock (done once, under the lock when found). */
  #leftoversChecked = false;

  private constructor(options: SecretStoreOptions, fs: FileSystem) {
    const runtime = options.runtime;
    this.#fs = fs;
    this.directory = options.directory;
    this.#files = new StoreDirectory(runtime, fs, options.directory);
    this.#kdf = { ...(options.kdf ?? DEFAULT_KDF) };
    checkKdfParams(this.#kdf, "INVALID_ARGUMENT");
    this.#keyState = new KeyState(runtime, this);
    this.#header = new HeaderFile(fs, this.#files.paths.header, options.directory, () => this.lock());
    const platform = runtime.chacha20poly1305;
    this.#log = new StoreLog(runtime, fs, this.#files, {
      cipher: platform ? xchachaOver(platform) : { seal, open },
      compactionThreshold: options.compactionThreshold ?? DEFAULT_COMPACTION_THRESHOLD,
    });
  }

  /** Opens the store object; nothing is created or read until it is used. */
  static async open(options: SecretStoreOptions): Promise<SecretStore> {
    const fs = options.runtime.fs;
    if (!fs) throw new SecretManagementError("UNSUPPORTED", "a SecretStore needs a file system; this runtime has none");
    return new SecretStore(options, fs);
  }

  exists(): boolean {
    return this.#header.read() !== undefined;
  }

  get config(): StoreConfig {
    return { ...(this.#header.read()?.config ?? DEFAULT_CONFIG) };
  }

  get storeId(): string {
    return toHex(this.#header.require().storeId);
  }

  isLocked(): boolean {
    if (this.#keyState.current !== undefined) return false;
    return this.#header.read()?.config.authentication !== "none";
  }

  async create(options: { password?: string; config?: Partial<StoreConfig> } = {}): Promise<void> {
    const config = { ...DEFAULT_CONFIG, ...options.config };
    validateConfigChanges(config);
    checkNewPassword(config, options.password);
    this.#fs.mkdir(this.directory, 0o700);
    await this.#withStoreLock(async () => {
      if (this.#header.read() !== undefined) {
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
    checkNewPassword(config, options.password);
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
      const header = this.#header.require();
      const keys = this.#requireKeys();
      const config = { ...header.config, ...changes };
      if (config.authentication === header.config.authentication) {
        this.#commitHeader(configHeader(keys, config, header.storeId, header));
      } else if (config.authentication === "none") {
        // Key file first, header last: a crash in between leaves a key file that the next unlock removes.
        this.#files.replaceFile(this.#files.paths.key, encodeKeyFile(header.storeId, keys.dataKey));
        this.#commitHeader(configHeader(keys, config, header.storeId, undefined));
      } else {
        if (options.password === undefined) {
          throw new SecretManagementError("PASSWORD_REQUIRED", "switching to password authentication needs the new password");
        }
        await this.#writeHeaderWithPassword(keys, config, header.storeId, options.password);
        this.#fs.remove(this.#files.paths.key);
      }
    });
  }

  async unlock(password: string, options: { timeout?: number } = {}): Promise<void> {
    if (typeof password !== "string") throw new SecretManagementError("INVALID_ARGUMENT", "the password must be a string");
    checkTimeout(options.timeout);
    await this.#cleanLeftovers();
    const header = this.#header.require();
    if (header.config.authentication === "none") {
      this.#adoptKeys(this.#keysFromKeyFile(header), options.timeout);
      return;
    }
    this.#adoptKeys(await keysFromPassword(header, password), options.timeout);
    // A key file left by a crash during an authentication switch must not outlive it.
    if (this.#fs.stat(this.#files.paths.key) !== undefined) this.#fs.remove(this.#files.paths.key);
    if (this.#log.hasTail()) await this.#locked(() => undefined);
  }

  unlockWithDataKey(key: Uint8Array, options: { timeout?: number } = {}): void {
    checkTimeout(options.timeout);
    this.#adoptKeys(keysFromDataKey(this.#header.require(), key), options.timeout);
  }

  /** Zeroes the data key and its subkeys and forgets the index. */
  lock(): void {
    this.#keyState.forget();
    this.#log.forget();
  }

  /**
   * Rewraps the data key under `newPassword`. With `rotateKey`, re-encrypts every secret under a new
   * data key (and store id) instead, so that old copies of the header or key file, and keys handed out
   * before (the unlock agent's), no longer open what is written from now on. Either way the header's
   * tag is verified first: a tampered configuration is never re-signed.
   */
  async changePassword(
    oldPassword: string,
    newPassword: string,
    options: { rotateKey?: boolean; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<void> {
    if (typeof newPassword !== "string" || newPassword.length === 0) {
      throw new SecretManagementError("INVALID_ARGUMENT", "the new password must not be empty");
    }
    await this.#withStoreLock(async () => { // taking the lock deals with leftovers first
      const header = this.#header.require();
      if (header.config.authentication !== "password") {
        throw new SecretManagementError("INVALID_ARGUMENT", "this SecretStore has no password; set authentication to password instead");
      }
      const keys = await keysFromPassword(header, oldPassword);
      if (options.rotateKey === true) {
        this.#adoptKeys(keys, undefined); // the old key reads the records being re-encrypted
        await this.#rotateDataKey(header.config, newPassword, options.onProgress);
        return;
      }
      const wasUnlocked = this.#keyState.current !== undefined;
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
      const keys = this.#heldKeys();
      const entry = this.#log.find(keys, name);
      return entry && this.#log.openPut(keys, entry, name).value;
    });
  }

  async set(name: string, value: SecretValue, metadata?: Metadata, options: { noClobber?: boolean } = {}): Promise<void> {
    validateSecretName(name);
    secretTypeOf(value);
    if (metadata !== undefined) validateMetadata(metadata);
    await this.#use(() =>
      this.#locked((logFile) => {
        const keys = this.#heldKeys();
        const hash = keys.nameHash(nameKey(name));
        const existing = this.#log.entryOf(hash);
        if (existing && options.noClobber) {
          throw secretExists(this.#log.openPut(keys, existing, name).name);
        }
        const kept = metadata ?? (existing ? this.#log.openPut(keys, existing, name).metadata : {});
        this.#log.append(keys, logFile, KIND_PUT, hash, encodePut(name, value, copyMetadata(kept)));
      })
    );
  }

  async remove(name: string): Promise<void> {
    validateSecretName(name);
    await this.#use(() =>
      this.#locked((logFile) => {
        const keys = this.#heldKeys();
        const hash = keys.nameHash(nameKey(name));
        if (!this.#log.entryOf(hash)) throw secretNotFound(name);
        this.#log.append(keys, logFile, KIND_DELETE, hash, encodeDelete(name));
      })
    );
  }

  async setMetadata(name: string, metadata: Metadata): Promise<void> {
    validateSecretName(name);
    validateMetadata(metadata);
    await this.#use(() =>
      this.#locked((logFile) => {
        const keys = this.#heldKeys();
        const hash = keys.nameHash(nameKey(name));
        const existing = this.#log.entryOf(hash);
        if (!existing) throw secretNotFound(name);
        const current = this.#log.openPut(keys, existing, name);
        this.#log.append(keys, logFile, KIND_PUT, hash, encodePut(current.name, current.value, copyMetadata(metadata)));
      })
    );
  }

  async list(filter: string): Promise<VaultSecretInfo[]> {
    const matches = compileWildcard(filter);
    return await this.#use(async () => {
      await this.#sync();
      return this.#log.infos(this.#heldKeys()).filter((info) => matches(info.name));
    });
  }

  /** Rewrites the log with only the live records, re-sealed under the next generation. */
  async compact(): Promise<void> {
    await this.#use(() => this.#locked(() => this.#log.compact(this.#heldKeys())));
  }

  // -------------------------------------------------------------------------------------------
  // Keys

  /** The keys during an operation that required them (expiry is checked when the operation starts, not inside it). */
  #heldKeys(): StoreKeys {
    return this.#keyState.held!;
  }

  /** The keys, loading the key file in no-password mode. The header is re-read only when locked or the log changed. */
  #requireKeys(): StoreKeys {
    const keys = this.#keyState.current;
    if (keys !== undefined) return keys;
    const header = this.#header.require();
    if (header.config.authentication === "none") {
      this.#adoptKeys(this.#keysFromKeyFile(header), undefined);
      return this.#heldKeys();
    }
    throw passwordRequired(this.directory);
  }

  /** Holds `keys` for `timeout` seconds (default: the header's; no-password keys until exit) and loads the log. */
  #adoptKeys(keys: StoreKeys, timeout: number | undefined): void {
    const header = this.#header.known!;
    const seconds = header.config.authentication === "none" ? -1 : timeout ?? header.config.passwordTimeout;
    this.lock();
    this.#keyState.hold(keys, seconds);
    try {
      this.#log.load(keys, header.storeId);
    } catch (error) {
      this.lock();
      throw error;
    }
  }

  #keysFromKeyFile(header: Header): StoreKeys {
    const bytes = this.#fs.readFile(this.#files.paths.key);
    if (bytes === undefined) throw corrupt(`the key file ${this.#files.paths.key} is missing`);
    return keysFromKeyFile(header, bytes);
  }

  /** Runs a data operation with the key; single-use keys are dropped after it. */
  async #use<T>(work: () => Promise<T>): Promise<T> {
    await this.#cleanLeftovers();
    this.#requireKeys();
    try {
      return await work();
    } finally {
      if (this.#keyState.singleUse) this.lock();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writing the header and new stores (under the lock)

  #commitHeader(bytes: Uint8Array): void {
    this.#files.replaceFile(this.#header.path, bytes);
    this.#header.reload();
  }

  async #writeHeaderWithPassword(keys: StoreKeys, config: StoreConfig, storeId: Uint8Array, password: string): Promise<void> {
    this.#commitHeader(await passwordHeader(keys, config, storeId, password, this.#kdf));
  }

  /** Create and reset: log first, key file, header last (the header's presence means the store exists). */
  async #writeNewStore(config: StoreConfig, password: string | undefined): Promise<void> {
    const storeId = randomBytes(STORE_ID_LENGTH);
    const keys = new StoreKeys(randomBytes(KEY_LENGTH));
    try {
      this.#files.replaceFile(this.#files.paths.log, encodeLogPrefix({ storeId, generation: 1 }));
      if (config.authentication === "none") {
        this.#files.replaceFile(this.#files.paths.key, encodeKeyFile(storeId, keys.dataKey));
        this.#commitHeader(configHeader(keys, config, storeId, undefined));
      } else {
        this.#fs.remove(this.#files.paths.key);
        await this.#writeHeaderWithPassword(keys, config, storeId, password!);
      }
    } catch (error) {
      keys.destroy();
      this.#header.forget();
      throw error;
    }
    this.#adoptKeys(keys, undefined);
  }

  // -------------------------------------------------------------------------------------------
  // The lock, leftovers, and following the log

  #withStoreLock<T>(work: () => T | Promise<T>): Promise<T> {
    return this.#files.withLock(() => this.#recoverLeftovers(), work);
  }

  /** Once per store object (at its first unlock or use): deals with leftovers under the lock if there are any. */
  async #cleanLeftovers(): Promise<void> {
    if (this.#leftoversChecked) return;
    if (this.#files.hasLeftovers()) await this.#withStoreLock(() => undefined);
    this.#leftoversChecked = true;
  }

  /**
   * Run by every holder of the lock first: removes temporary files (a crash, or a writer that lost the
   * lock), finishes or drops a data-key rotation, and after a takeover moves the log to a new file so
   * that the previous holder, if merely paused, can no longer append to it (see directory.ts).
   */
  #recoverLeftovers(): void {
    const found = this.#files.removeLeftovers();
    if (found.pendingHeader) this.#finishRotation();
    if (found.takenOverLocks.length > 0) {
      const log = this.#fs.readFile(this.#log.path);
      if (log !== undefined) this.#files.replaceFile(this.#log.path, log);
      this.#files.removeTakenOverLocks(found.takenOverLocks);
    }
  }

  /**
   * Runs `work` under the store lock after catching up with the log and dropping a torn tail. `work`
   * gets the log file, opened before the lock was checked (see directory.ts).
   */
  async #locked<T>(work: (logFile: AppendHandle) => T): Promise<T> {
    return await this.#withStoreLock(() => {
      this.#requireKeys();
      if (this.#fs.stat(this.#log.path) === undefined) throw corrupt(`the log file ${this.#log.path} is missing`);
      const logFile = this.#fs.openAppend(this.#log.path);
      try {
        this.#files.checkLockHeld();
        this.#syncNow();
        this.#log.prepareAppend(logFile);
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
    if (this.#keyState.held === undefined) throw passwordRequired(this.directory);
    const info = this.#fs.stat(this.#log.path);
    if (this.#log.isUpToDate(info)) return;
    this.#header.refresh(); // a reset elsewhere replaces both files and drops our key here
    const keys = this.#keyState.held;
    if (keys === undefined) {
      this.#requireKeys(); // the new store's key file in no-password mode (which loads its log), else PASSWORD_REQUIRED
      return;
    }
    this.#log.catchUp(keys, info, this.#header.known!.storeId);
  }

  // -------------------------------------------------------------------------------------------
  // Data-key rotation

  /**
   * Re-encrypts the store under a new data key and store id (the caller holds the lock, is unlocked
   * with the old key and has checked the old password). Crash-safe in three steps: the new header
   * goes to `store.header.next`; the new log is renamed over `store.log` (the commit); the new header
   * is renamed over `store.header`. Whoever next takes the lock finishes a rotation whose log was
   * committed (the pending header's store id is the log's) and drops one that was not.
   */
  async #rotateDataKey(config: StoreConfig, newPassword: string, onProgress?: (done: number, total: number) => void): Promise<void> {
    this.#syncNow();
    const storeId = randomBytes(STORE_ID_LENGTH);
    const keys = new StoreKeys(randomBytes(KEY_LENGTH));
    try {
      const log = this.#log.reseal(this.#heldKeys(), keys, storeId, 1, true, onProgress);
      const header = await passwordHeader(keys, config, storeId, newPassword, this.#kdf);
      this.#files.replaceFile(this.#files.paths.pendingHeader, header);
      this.#files.replaceFile(this.#log.path, log);
      this.#finishRotation();
    } catch (error) {
      keys.destroy();
      throw error;
    }
    this.#adoptKeys(keys, undefined);
  }

  /** Renames a pending rotation header into place if the log is the rotated one; else removes it. */
  #finishRotation(): void {
    const pendingPath = this.#files.paths.pendingHeader;
    const pending = this.#fs.readFile(pendingPath);
    if (pending === undefined) return;
    let committed = false;
    try {
      const prefix = decodeLogPrefix(this.#fs.readFileFrom(this.#log.path, 0, LOG_PREFIX_LENGTH));
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
    this.#files.checkLockHeld();
    this.#fs.rename(pendingPath, this.#header.path);
    this.#header.reload();
  }
}
