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
  /** A lock held longer than this is stale even if its process lives (a reused pid). */
  staleMs?: number;
}

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

/** Takes the lock at `path`, runs `work`, releases the lock (also when `work` throws). */
export async function withLock<T>(
  runtime: Runtime,
  path: string,
  work: () => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const release = await acquireLock(runtime, path, options);
  try {
    return await work();
  } finally {
    release();
  }
}

export async function acquireLock(runtime: Runtime, path: string, options: LockOptions = {}): Promise<() => void> {
  const fs = runtime.fs;
  if (!fs) throw new SecretManagementError("UNSUPPORTED", "this runtime has no file system to lock");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const owner: LockOwner = { pid: runtime.pid, host: runtime.hostname(), token: randomToken(), time: Date.now() };
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    owner.time = Date.now();
    if (fs.createExclusive(path, encoder.encode(JSON.stringify(owner)), 0o600)) {
      return () => releaseLock(runtime, path, owner.token);
    }
    const info = fs.stat(path);
    const holder = readOwner(runtime, path);
    if (info && holder && isStale(runtime, holder, staleMs, info.mtimeMs)) {
      breakStaleLock(runtime, path, holder);
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

function breakStaleLock(runtime: Runtime, path: string, stale: LockOwner): void {
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
  fs.remove(aside);
}

function releaseLock(runtime: Runtime, path: string, token: string): void {
  const holder = readOwner(runtime, path);
  if (holder?.token === token) runtime.fs!.remove(path);
}
