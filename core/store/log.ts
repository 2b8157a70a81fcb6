/**
 * `store.log` (docs/FORMAT.md, "Reading the log" to "Compaction"): an in-memory index from keyed
 * name hashes to frames, built without decrypting anything; following other processes' appends;
 * appending one sealed record; re-sealing the live records into a new log (compaction, rotation).
 * Every write happens under the store lock, which the engine takes; this module checks it is
 * still held through the store directory.
 */
import { NONCE_LENGTH } from "../crypto/aead.ts";
import { constantTimeEqual, joinBytes, randomBytes, zeroize } from "../crypto/bytes.ts";
import { SecretManagementError } from "../errors.ts";
import type { AppendHandle, FileInfo, FileSystem, Runtime } from "../runtime.ts";
import { nameKey } from "../types.ts";
import { type FileStamp, sameStamp, stampOf, type StoreDirectory } from "./directory.ts";
import {
  corrupt,
  decodeLogPrefix,
  encodeLogPrefix,
  FRAME_HEADER_LENGTH,
  frameHeaderStatus,
  frameKind,
  frameNameHash,
  frameNameHashAt,
  framePayloadLength,
  frameSequence,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  MAX_PAYLOAD_LENGTH,
  openFrame,
  type RecordCipher,
  type RecordKind,
  sealFrame,
} from "./format.ts";
import type { StoreKeys } from "./keys.ts";
import { decodeInfo, decodePut, type PutPayload } from "./payload.ts";

/** Where a frame is: `buffer[start..end)` holds it (clear header, sealed payload); `offset` is its place in the file. */
export interface Entry {
  offset: number;
  buffer: Uint8Array;
  start: number;
  end: number;
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

const MAX_CACHED_HASHES = 200_000;

/** The log belongs to another store id than the header we hold: a reset elsewhere, maybe in progress. */
export class StoreReplaced extends SecretManagementError {
  constructor() {
    super("STORE_CORRUPT", "the SecretStore log belongs to another store (it was reset)");
  }
}

/** The 16-byte name hash at `at` as a Map key, built without intermediate allocations. */
function indexKey(b: Uint8Array, at = 0): string {
  return String.fromCharCode(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!,
    b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!,
  );
}

export class StoreLog {
  readonly path: string;
  readonly #runtime: Runtime;
  readonly #fs: FileSystem;
  readonly #directory: StoreDirectory;
  readonly #cipher: RecordCipher;
  readonly #compactionThreshold: number;
  #state: LogState | undefined;
  #index = new Map<string, Entry>();
  /** Lower-cased name → index key, so a repeated lookup skips the keyed hash; cleared on `forget`. */
  #hashes = new Map<string, string>();

  constructor(
    runtime: Runtime,
    fs: FileSystem,
    directory: StoreDirectory,
    options: { cipher: RecordCipher; compactionThreshold: number },
  ) {
    this.#runtime = runtime;
    this.#fs = fs;
    this.#directory = directory;
    this.path = directory.paths.log;
    this.#cipher = options.cipher;
    this.#compactionThreshold = options.compactionThreshold;
  }

  /** Forgets the index (on lock). */
  forget(): void {
    this.#state = undefined;
    this.#index = new Map();
    this.#hashes = new Map();
  }

  /** Whether the file looks as it did when last read (`info` is its stat), so there is nothing to catch up with. */
  isUpToDate(info: FileInfo | undefined): boolean {
    return sameStamp(this.#state?.stamp, info);
  }

  /** Whether bytes after the last whole frame were seen (a torn tail, or another process's append in progress). */
  hasTail(): boolean {
    return this.#state!.stamp.size > this.#state!.validEnd;
  }

  /** Reads what was appended since the last read (`info` is the file's stat), or the whole file when it was replaced. */
  catchUp(keys: StoreKeys, info: FileInfo | undefined, storeId: Uint8Array): void {
    const log = this.#state;
    if (info === undefined) throw corrupt(`the log file ${this.path} is missing`);
    if (log === undefined || info.ino !== log.stamp.ino || info.size < log.validEnd) {
      this.load(keys, storeId);
      return;
    }
    const tailStart = log.validEnd;
    const tail = this.#fs.readFileFrom(this.path, tailStart);
    const prefix = decodeLogPrefix(this.#fs.readFileFrom(this.path, 0, LOG_PREFIX_LENGTH));
    if (prefix.generation !== log.generation || !constantTimeEqual(prefix.storeId, log.storeId)) {
      this.load(keys, storeId);
      return;
    }
    this.#parseFrames(keys, tail, log.validEnd, log);
    // From where the tail was read: parsing has already moved validEnd past its whole frames.
    log.stamp = { ino: info.ino, size: tailStart + tail.length, mtimeMs: info.mtimeMs };
  }

  /** Reads and indexes the whole file, which must belong to `storeId` (else StoreReplaced). */
  load(keys: StoreKeys, storeId: Uint8Array): void {
    const info = this.#fs.stat(this.path);
    const bytes = this.#fs.readFile(this.path);
    if (info === undefined || bytes === undefined) throw corrupt(`the log file ${this.path} is missing`);
    const prefix = decodeLogPrefix(bytes);
    if (!constantTimeEqual(prefix.storeId, storeId)) throw new StoreReplaced();
    const log: LogState = {
      storeId: prefix.storeId,
      generation: prefix.generation,
      validEnd: LOG_PREFIX_LENGTH,
      nextSequence: 1,
      liveBytes: 0,
      stamp: { ino: info.ino, size: bytes.length, mtimeMs: info.mtimeMs },
    };
    this.#index = new Map();
    this.#parseFrames(keys, bytes.subarray(LOG_PREFIX_LENGTH), LOG_PREFIX_LENGTH, log);
    this.#state = log;
  }

  /**
   * Before a write (the lock held, the log caught up): checks that `logFile`, opened before the lock
   * was checked, is the log that was read, and cuts off a torn tail.
   */
  prepareAppend(logFile: AppendHandle): void {
    const log = this.#state!;
    const opened = logFile.stat();
    if (opened.ino !== log.stamp.ino) {
      throw new SecretManagementError("IO_ERROR", `${this.path} was replaced while this process held the lock`);
    }
    if (opened.size > log.validEnd) {
      this.#runtime.writeStderr(
        `secretstore: dropping ${opened.size - log.validEnd} bytes of an incomplete record at the end of ${this.path} (an interrupted write)\n`,
      );
      logFile.truncate(log.validEnd);
      log.stamp = stampOf(logFile.stat());
    }
  }

  /**
   * Indexes whole frames from `bytes` (which start at file offset `base`) and advances
   * `log.validEnd`. An incomplete frame at the end is left alone (a torn tail, or another process
   * appending right now); a damaged header or a sequence gap is STORE_CORRUPT.
   */
  #parseFrames(keys: StoreKeys, bytes: Uint8Array, base: number, log: LogState): void {
    let offset = 0;
    while (offset < bytes.length) {
      const status = frameHeaderStatus(bytes, offset);
      if (status === "short") break;
      if (status === "damaged") {
        if (bytes.subarray(offset).every((b) => b === 0)) break; // a tail the file system extended but never wrote
        throw corrupt(`damaged record header at byte ${base + offset} of ${this.path}`);
      }
      const end = offset + FRAME_HEADER_LENGTH + framePayloadLength(bytes, offset);
      if (end > bytes.length) break;
      if (frameSequence(bytes, offset) !== log.nextSequence) {
        throw corrupt(`record at byte ${base + offset} is out of sequence (records swapped, repeated or removed)`);
      }
      const key = indexKey(bytes, frameNameHashAt(offset));
      const entry: Entry = { offset: base + offset, buffer: bytes, start: offset, end };
      const previous = this.#index.get(key);
      if (previous) log.liveBytes -= previous.end - previous.start;
      if (frameKind(bytes, offset) === KIND_PUT) {
        this.#index.set(key, entry);
        log.liveBytes += end - offset;
      } else {
        // A delete hides a secret, so it is authenticated now rather than trusted on its clear header.
        this.#openEntry(keys, entry, log);
        this.#index.delete(key);
      }
      log.nextSequence++;
      offset = end;
    }
    log.validEnd = base + offset;
  }

  /** The frame of the secret `name`, if the log holds one (the keyed hash of a name is cached). */
  find(keys: StoreKeys, name: string): Entry | undefined {
    const lower = nameKey(name);
    let key = this.#hashes.get(lower);
    if (key === undefined) {
      key = indexKey(keys.nameHash(lower));
      if (this.#hashes.size >= MAX_CACHED_HASHES) this.#hashes.clear();
      this.#hashes.set(lower, key);
    }
    return this.#index.get(key);
  }

  /** The frame whose name hash is `nameHash`, if any. */
  entryOf(nameHash: Uint8Array): Entry | undefined {
    return this.#index.get(indexKey(nameHash));
  }

  /** Name, type and metadata of every live secret, decrypting each record. */
  infos(keys: StoreKeys): Omit<PutPayload, "value">[] {
    return [...this.#index.values()].map((entry) => decodeInfo(this.#openEntry(keys, entry)));
  }

  #openEntry(keys: StoreKeys, entry: Entry, log: LogState = this.#state!): Uint8Array {
    const position = { storeId: log.storeId, generation: log.generation, offset: entry.offset };
    const frame = entry.buffer.subarray(entry.start, entry.end);
    const payload = openFrame(keys.recordKey, position, frame, this.#cipher);
    if (payload === undefined) throw corrupt(`the record at byte ${entry.offset} fails authentication`);
    return payload;
  }

  /** Decrypts a put and checks it really is the secret asked for (a keyed-hash collision or tampering is refused). */
  openPut(keys: StoreKeys, entry: Entry, name: string): PutPayload {
    const payload = decodePut(this.#openEntry(keys, entry));
    if (nameKey(payload.name) !== nameKey(name)) throw corrupt(`the record at byte ${entry.offset} holds another name`);
    return payload;
  }

  /**
   * Appends one record (the caller holds the lock and has called `prepareAppend`) through the log
   * file it opened before checking the lock. A write that fsync acknowledged is reported as done even
   * if compaction after it fails: that failure is a warning, and the next write tries again.
   */
  append(keys: StoreKeys, logFile: AppendHandle, kind: RecordKind, nameHash: Uint8Array, payload: Uint8Array): void {
    if (payload.length > MAX_PAYLOAD_LENGTH) {
      throw new SecretManagementError("INVALID_ARGUMENT", `a secret may be at most ${MAX_PAYLOAD_LENGTH} bytes once encoded`);
    }
    const log = this.#state!;
    const offset = log.validEnd;
    const frame = sealFrame(
      keys.recordKey,
      { storeId: log.storeId, generation: log.generation, offset },
      { kind, sequence: log.nextSequence, nameHash, nonce: randomBytes(NONCE_LENGTH) },
      payload,
      this.#cipher,
    );
    zeroize(payload);
    this.#directory.checkLockHeld();
    if (logFile.stat().size !== offset) {
      throw new SecretManagementError("IO_ERROR", `${this.path} changed while this process held the lock; nothing was written`);
    }
    try {
      logFile.append(frame);
      const written = logFile.stat().size === offset + frame.length;
      this.#directory.checkLockHeld();
      if (!written) {
        throw new SecretManagementError("IO_ERROR", `another process wrote to ${this.path} while this one held the lock`);
      }
    } catch (error) {
      // Whatever got into the file after `offset` is not an acknowledged record: cut it off while the lock is ours.
      if (this.#directory.isLockHeld()) logFile.truncate(offset);
      throw error;
    }
    const info = logFile.stat();
    this.#parseFrames(keys, frame, offset, log);
    log.stamp = stampOf(info);
    const garbage = log.validEnd - LOG_PREFIX_LENGTH - log.liveBytes;
    if (garbage > this.#compactionThreshold && garbage > log.liveBytes) {
      try {
        this.compact(keys);
      } catch (error) {
        this.#runtime.writeStderr(
          `secretstore: warning: the write is saved, but compacting ${this.path} failed (${(error as Error).message}); the next write tries again\n`,
        );
      }
    }
  }

  /**
   * The live records (read with `keys`) re-sealed under `newKeys` into a log of `storeId` and
   * `generation`, in file order; with `renameHashes`, under new name hashes too.
   */
  reseal(
    keys: StoreKeys,
    newKeys: StoreKeys,
    storeId: Uint8Array,
    generation: number,
    renameHashes: boolean,
    onProgress?: (done: number, total: number) => void,
  ): Uint8Array {
    const entries = [...this.#index.values()].sort((a, b) => a.offset - b.offset);
    const frames: Uint8Array[] = [encodeLogPrefix({ storeId, generation })];
    let offset = LOG_PREFIX_LENGTH;
    let sequence = 1;
    for (const entry of entries) {
      const payload = this.#openEntry(keys, entry);
      const nameHash = renameHashes
        ? newKeys.nameHash(nameKey(decodeInfo(payload).name))
        : frameNameHash(entry.buffer.subarray(entry.start, entry.end));
      const frame = sealFrame(
        newKeys.recordKey,
        { storeId, generation, offset },
        { kind: KIND_PUT, sequence: sequence++, nameHash, nonce: randomBytes(NONCE_LENGTH) },
        payload,
        this.#cipher,
      );
      zeroize(payload);
      frames.push(frame);
      offset += frame.length;
      onProgress?.(frames.length - 1, entries.length);
    }
    return joinBytes(frames);
  }

  /** Rewrites the log with only the live records, re-sealed under the next generation (the lock held). */
  compact(keys: StoreKeys): void {
    const old = this.#state!;
    this.#directory.replaceFile(this.path, this.reseal(keys, keys, old.storeId, old.generation + 1, false));
    this.load(keys, old.storeId);
  }
}
