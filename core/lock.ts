/**
 * A cross-process lock that every runtime speaks the same way: a lock file created exclusively,
 * holding who owns it. A holder that died (its pid is gone on this host) or that has held the lock
 * far longer than any operation takes is stale; its file is taken over by an atomic rename, so two
 * processes breaking the same stale lock cannot both win.
 */
import { SecretManagementError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";

export interface LockOptions {
  /** How long to wait for another holder before LOCK_TIMEOUT. */
  timeoutMs?: number;
  /**
   * A lock held longer than this is stale even if its process lives (a reused pid, or a process
   * paused for that long). Default: $SECRETMANAGEMENT_LOCK_STALE_MS (meant for tests) else 60 000.
   */
  staleMs?: number;
  /**
   * Leave the file of every lock taken over from another holder at `<path>.stale-<random>` instead of
   * deleting it, so the holders that come next can tell that a holder lost its lock and may still be
   * running (a paused process resumes); whoever handles that removes the file.
   */
  keepTakenOverLocks?: boolean;
}

/** A lock this process holds. */
export interface HeldLock {
  /** Whether the lock file still names this holder: false once another process took the lock over. */
  isHeld(): boolean;
  release(): void;
}

/** Environment variable that shortens the stale age of every lock; tests set it to exercise takeovers quickly. */
export const STALE_AGE_ENV = "SECRETMANAGEMENT_LOCK_STALE_MS";
const DEFAULT_STALE_MS = 60_000;

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  time: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function readOwner(runtime: Runtime, path: string): LockOwner | undefined {
  const bytes = runtime.fs!.readFile(path);
  if (bytes === undefined) return undefined;
  try {
    const owner = JSON.parse(decoder.decode(bytes)) as LockOwner;
    if (typeof owner.pid === "number" && typeof owner.token === "string") return owner;
  } catch {
    // A lock file torn by a crash between create and write: treat it as owned by nobody alive.
  }
  return { pid: 0, host: "", token: "", time: 0 };
}

function isStale(runtime: Runtime, owner: LockOwner, staleMs: number, fileMtimeMs: number): boolean {
  if (owner.pid === 0) return Date.now() - fileMtimeMs > 1000;
  if (Date.now() - owner.time > staleMs) return true;
  return owner.host === runtime.hostname() && !runtime.isProcessAlive(owner.pid);
}

function staleAge(runtime: Runtime, options: LockOptions): number {
  if (options.staleMs !== undefined) return options.staleMs;
  const fromEnv = Number(runtime.env(STALE_AGE_ENV));
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_STALE_MS;
}

/** Takes the lock at `path`, runs `work`, releases the lock (also when `work` throws). */
export async function withLock<T>(
  runtime: Runtime,
  path: string,
  work: (lock: HeldLock) => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = await takeLock(runtime, path, options);
  try {
    return await work(lock);
  } finally {
    lock.release();
  }
}

/** Takes the lock at `path`; returns the function that releases it. */
export async function acquireLock(runtime: Runtime, path: string, options: LockOptions = {}): Promise<() => void> {
  const lock = await takeLock(runtime, path, options);
  return () => lock.release();
}

export async function takeLock(runtime: Runtime, path: string, options: LockOptions = {}): Promise<HeldLock> {
  const fs = runtime.fs;
  if (!fs) throw new SecretManagementError("UNSUPPORTED", "this runtime has no file system to lock");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = staleAge(runtime, options);
  const owner: LockOwner = { pid: runtime.pid, host: runtime.hostname(), token: randomToken(), time: Date.now() };
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    owner.time = Date.now();
    if (fs.createExclusive(path, encoder.encode(JSON.stringify(owner)), 0o600)) {
      const token = owner.token;
      return {
        isHeld: () => readOwner(runtime, path)?.token === token,
        release: () => releaseLock(runtime, path, token),
      };
    }
    const info = fs.stat(path);
    const holder = readOwner(runtime, path);
    if (info && holder && isStale(runtime, holder, staleMs, info.mtimeMs)) {
      breakStaleLock(runtime, path, holder, options.keepTakenOverLocks === true);
      continue;
    }
    if (Date.now() > deadline) {
      throw new SecretManagementError(
        "LOCK_TIMEOUT",
        `timed out after ${timeoutMs} ms waiting for the lock ${path} (held by pid ${holder?.pid ?? "?"})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
}

function breakStaleLock(runtime: Runtime, path: string, stale: LockOwner, keepTakenOver: boolean): void {
  const fs = runtime.fs!;
  const aside = `${path}.stale-${randomToken()}`;
  try {
    fs.rename(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const taken = readOwner(runtime, aside);
  if (taken && taken.token !== stale.token) {
    // We moved a live lock that replaced the stale one in between; give it back if nobody took its place.
    const bytes = fs.readFile(aside);
    if (bytes && fs.createExclusive(path, bytes, 0o600)) {
      fs.remove(aside);
      return;
    }
  }
  // Its holder has lost the lock (whether stale or, in the race above, live): say so to whoever comes next.
  if (!keepTakenOver) fs.remove(aside);
}

function releaseLock(runtime: Runtime, path: string, token: string): void {
  const holder = readOwner(runtime, path);
  if (holder?.token === token) runtime.fs!.remove(path);
}
