/**
 * The store directory (docs/FORMAT.md, "Files" and "Lock file"): the file names, the store lock, and
 * replacing a file whole the crash-safe way. What a holder of the lock must do first (remove
 * temporary files, finish a rotation, move the log after a takeover) is the engine's: it passes that
 * as `recover` to `withLock`.
 */
import { randomBytes, toHex } from "../crypto/bytes.ts";
import { SecretManagementError } from "../errors.ts";
import { type HeldLock, withLock } from "../lock.ts";
import { joinPath } from "../paths.ts";
import type { FileInfo, FileSystem, Runtime } from "../runtime.ts";

export const FILE_NAMES = { header: "store.header", log: "store.log", key: "store.key", lock: "store.lock" } as const;

/** A header written by a data-key rotation, waiting for its log: see `changePassword` and docs/FORMAT.md. */
export const PENDING_HEADER = "store.header.next";
/** Files that only a writer holding the lock creates and that a crash (or a lost lock) can leave behind. */
const TEMP_INFIX = ".tmp-";
const TAKEN_OVER_LOCK_PREFIX = `${FILE_NAMES.lock}.stale-`;
/** Many writers queue on one lock (each holding it for one append), so wait longer than the default. */
const LOCK_WAIT_MS = 60_000;

/** What a file looked like when last read: a change of inode, size or mtime means read it again. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function sameStamp(a: FileStamp | undefined, b: FileInfo | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function stampOf(info: FileInfo): FileStamp {
  return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}

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

export class StoreDirectory {
  readonly path: string;
  readonly paths: { readonly header: string; readonly log: string; readonly key: string; readonly lock: string; readonly pendingHeader: string };
  readonly #runtime: Runtime;
  readonly #fs: FileSystem;
  /** The store lock while this object holds it: every file it replaces or appends to is checked against it. */
  #heldLock: HeldLock | undefined;

  constructor(runtime: Runtime, fs: FileSystem, path: string) {
    this.#runtime = runtime;
    this.#fs = fs;
    this.path = path;
    this.paths = {
      header: this.#join(FILE_NAMES.header),
      log: this.#join(FILE_NAMES.log),
      key: this.#join(FILE_NAMES.key),
      lock: this.#join(FILE_NAMES.lock),
      pendingHeader: this.#join(PENDING_HEADER),
    };
  }

  /** Runs `recover`, then `work`, under the store lock. */
  withLock<T>(recover: () => void, work: () => T | Promise<T>): Promise<T> {
    return withLock(this.#runtime, this.paths.lock, async (lock) => {
      this.#heldLock = lock;
      try {
        recover();
        return await work();
      } finally {
        this.#heldLock = undefined;
      }
    }, { timeoutMs: LOCK_WAIT_MS, keepTakenOverLocks: true });
  }

  isLockHeld(): boolean {
    return this.#heldLock?.isHeld() === true;
  }

  /** Throws LOCK_TIMEOUT unless this object holds the store lock right now. */
  checkLockHeld(): void {
    if (!this.isLockHeld()) {
      throw new SecretManagementError(
        "LOCK_TIMEOUT",
        `this process lost the lock ${this.paths.lock} to another one (it was paused for longer than a lock may be held); the change was not made`,
      );
    }
  }

  /** Replaces `path` whole (temporary file, fsync, lock check, rename); the temporary file never outlives a failure. */
  replaceFile(path: string, bytes: Uint8Array): void {
    const temp = `${path}${TEMP_INFIX}${this.#runtime.pid}-${toHex(randomBytes(6))}`;
    try {
      const file = this.#fs.openAppend(temp, 0o600);
      try {
        file.append(bytes);
      } finally {
        file.close();
      }
      this.checkLockHeld();
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
  hasLeftovers(): boolean {
    return this.#names().some((name) =>
      name.includes(TEMP_INFIX) || name === PENDING_HEADER || name.startsWith(TAKEN_OVER_LOCK_PREFIX)
    );
  }

  /**
   * For a new holder of the lock: removes temporary files, and says what else was found: a pending
   * rotation header, and the lock files left by takeovers (for `removeTakenOverLocks` once the log
   * has moved to a new file).
   */
  removeLeftovers(): { pendingHeader: boolean; takenOverLocks: string[] } {
    const names = this.#names();
    for (const name of names) {
      if (
        name.startsWith(`${FILE_NAMES.header}${TEMP_INFIX}`) || name.startsWith(`${FILE_NAMES.log}${TEMP_INFIX}`) ||
        name.startsWith(`${FILE_NAMES.key}${TEMP_INFIX}`) || name.startsWith(`${PENDING_HEADER}${TEMP_INFIX}`)
      ) {
        this.#fs.remove(this.#join(name));
      }
    }
    return {
      pendingHeader: names.includes(PENDING_HEADER),
      takenOverLocks: names.filter((name) => name.startsWith(TAKEN_OVER_LOCK_PREFIX)),
    };
  }

  removeTakenOverLocks(names: readonly string[]): void {
    for (const name of names) this.#fs.remove(this.#join(name));
  }

  #names(): string[] {
    return this.#fs.stat(this.path) === undefined ? [] : this.#fs.readDir(this.path);
  }

  #join(name: string): string {
    return joinPath(this.#runtime, this.path, name);
  }
}
