/**
 * `store.log` as the engine reads and writes it (core/store/log.ts), over an in-memory file system:
 * each kind of damage refused with the message naming its byte, records forged with the right key
 * but the wrong sequence or name, other processes' appends and replacements followed, and a log
 * that changes under a writer holding the lock. These pin down what the mutation run
 * (`npm run mutation`) changes in the log and the facade's steps around it.
 */
import { describe, expect, it } from "vitest";
import { NONCE_LENGTH } from "../core/crypto/aead.ts";
import { randomBytes, readU32 } from "../core/crypto/bytes.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import type { AppendHandle } from "../core/runtime.ts";
import {
  decodeKeyFile,
  decodeLogPrefix,
  encodeLogPrefix,
  FRAME_HEADER_LENGTH,
  KIND_DELETE,
  KIND_PUT,
  LOG_PREFIX_LENGTH,
  type RecordKind,
  sealFrame,
} from "../core/store/format.ts";
import { StoreKeys } from "../core/store/keys.ts";
import { encodeDelete, encodePut } from "../core/store/payload.ts";
import { SecretStore } from "../core/store/secret-store.ts";
import { failure } from "./helpers/failure.ts";
import { MemoryFileSystem, memoryRuntime } from "./helpers/memory-fs.ts";

const DIRECTORY = "/store";
const LOG = `${DIRECTORY}/store.log`;
const KEY = `${DIRECTORY}/store.key`;

const damaged = (what: string) => `STORE_CORRUPT: the SecretStore is damaged: ${what}`;

/** A no-password store holding `a` and `b`, and what it takes to forge records for it. */
async function twoRecords() {
  const fs = new MemoryFileSystem();
  const runtime = memoryRuntime(fs);
  const store = await SecretStore.open({ runtime, directory: DIRECTORY });
  await store.create({ config: { authentication: "none" } });
  await store.set("a", "1");
  await store.set("b", "2");
  const frames = frameOffsets(fs.readFile(LOG)!);
  const reopen = () => SecretStore.open({ runtime, directory: DIRECTORY });
  return { fs, runtime, store, frames, reopen };
}

function frameOffsets(log: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = LOG_PREFIX_LENGTH; at < log.length; at += FRAME_HEADER_LENGTH + readU32(log, at)) offsets.push(at);
  return offsets;
}

/** A frame sealed with the store's own key, as one who holds the key file could write. */
function forged(fs: MemoryFileSystem, fields: { kind: RecordKind; sequence: number; hashOf: string; payload: Uint8Array }) {
  const keys = new StoreKeys(decodeKeyFile(fs.readFile(KEY)!).dataKey);
  const log = fs.readFile(LOG)!;
  const prefix = decodeLogPrefix(log);
  return sealFrame(
    keys.recordKey,
    { storeId: prefix.storeId, generation: prefix.generation, offset: log.length },
    { kind: fields.kind, sequence: fields.sequence, nameHash: keys.nameHash(fields.hashOf), nonce: randomBytes(NONCE_LENGTH) },
    fields.payload,
  );
}

function flipped(fs: MemoryFileSystem, at: number): void {
  const bytes = fs.readFile(LOG)!;
  bytes[at]! ^= 0x01;
  fs.overwrite(LOG, bytes);
}

describe("store.log damage", () => {
  it("any byte of a frame's clear header altered is a damaged header at that frame's byte", async () => {
    const { fs, frames, reopen } = await twoRecords();
    const original = fs.readFile(LOG)!;
    for (let i = 0; i < FRAME_HEADER_LENGTH; i += 7) {
      fs.overwrite(LOG, original.slice());
      flipped(fs, frames[1]! + i);
      expect(await failure(async () => (await reopen()).get("a"))).toBe(damaged(`damaged record header at byte ${frames[1]} of ${LOG}`));
    }
  });

  it("a sealed payload altered fails authentication when read, naming its byte; the other record still reads", async () => {
    const { fs, frames, reopen } = await twoRecords();
    flipped(fs, frames[1]! + FRAME_HEADER_LENGTH + 2);
    const store = await reopen();
    expect(await store.get("a")).toBe("1");
    expect(await failure(() => store.get("b"))).toBe(damaged(`the record at byte ${frames[1]} fails authentication`));
    expect(await failure(() => store.list("*"))).toBe(damaged(`the record at byte ${frames[1]} fails authentication`));
  });

  it("a delete is authenticated when the log is read, not trusted on its clear header", async () => {
    const { fs, store, reopen } = await twoRecords();
    await store.remove("a");
    const deleteAt = frameOffsets(fs.readFile(LOG)!)[2]!;
    flipped(fs, deleteAt + FRAME_HEADER_LENGTH);
    expect(await failure(async () => (await reopen()).get("b"))).toBe(damaged(`the record at byte ${deleteAt} fails authentication`));
  });

  it("a record with the right key but the wrong sequence number is out of sequence", async () => {
    const { fs, reopen } = await twoRecords();
    for (const sequence of [1, 2, 4]) {
      const log = fs.readFile(LOG)!;
      const frame = forged(fs, { kind: KIND_PUT, sequence, hashOf: "c", payload: encodePut("c", "3", {}) });
      fs.appendFile(LOG, frame);
      expect(await failure(async () => (await reopen()).get("a"))).toBe(
        damaged(`record at byte ${log.length} is out of sequence (records swapped, repeated or removed)`),
      );
      fs.overwrite(LOG, log);
    }
    fs.appendFile(LOG, forged(fs, { kind: KIND_PUT, sequence: 3, hashOf: "c", payload: encodePut("C", "3", {}) }));
    expect(await (await reopen()).get("c")).toBe("3");
  });

  it("a record filed under one name's hash but holding another name is refused", async () => {
    const { fs, reopen } = await twoRecords();
    const at = fs.readFile(LOG)!.length;
    fs.appendFile(LOG, forged(fs, { kind: KIND_PUT, sequence: 3, hashOf: "a", payload: encodePut("b", "forged", {}) }));
    const store = await reopen();
    expect(await failure(() => store.get("a"))).toBe(damaged(`the record at byte ${at} holds another name`));
    expect(await failure(() => store.set("a", "x", undefined, { noClobber: true }))).toBe(damaged(`the record at byte ${at} holds another name`));
    expect(await store.get("b")).toBe("2");
  });

  it("a forged delete of a name that was never stored is read and changes nothing", async () => {
    const { fs, reopen } = await twoRecords();
    fs.appendFile(LOG, forged(fs, { kind: KIND_DELETE, sequence: 3, hashOf: "zz", payload: encodeDelete("zz") }));
    const store = await reopen();
    expect((await store.list("*")).map((info) => info.name)).toEqual(["a", "b"]);
    await store.set("c", "3");
    expect(frameOffsets(fs.readFile(LOG)!)).toHaveLength(4);
  });
});

describe("following other writers", () => {
  it("a second store object catches up with appends, removals, compaction and a replaced log", async () => {
    const { fs, store, reopen } = await twoRecords();
    const reader = await reopen();
    expect(await reader.get("a")).toBe("1");
    await store.set("c", "3");
    await store.remove("a");
    expect(await reader.get("c")).toBe("3");
    expect(await reader.get("a")).toBeUndefined();
    await store.compact();
    expect(decodeLogPrefix(fs.readFile(LOG)!).generation).toBe(2);
    expect((await reader.list("*")).map((info) => info.name)).toEqual(["b", "c"]);
    await reader.set("d", "4");
    expect(await store.get("d")).toBe("4");
    // The same bytes under a new inode (a copy renamed over it) are read again from the start.
    fs.writeFileAtomic(LOG, fs.readFile(LOG)!);
    await store.set("e", "5");
    expect(await reader.get("e")).toBe("5");
  });

  it("a log rewritten in place (same inode, longer, another generation) is read again from the start", async () => {
    const { fs, store, reopen } = await twoRecords();
    const reader = await reopen();
    expect(await reader.get("a")).toBe("1");
    const original = fs.files.get(LOG)!;
    await store.set("a", "1 again");
    await store.compact();
    await store.set("c", "3".repeat(200));
    const rewritten = fs.readFile(LOG)!;
    expect(rewritten.length).toBeGreaterThan(original.data.length);
    fs.files.set(LOG, original);
    fs.overwrite(LOG, rewritten);
    expect(await reader.get("a")).toBe("1 again");
    expect(await reader.get("c")).toBe("3".repeat(200));
  });

  it("a compacted log keeps the live records in file order under new offsets", async () => {
    const { fs, store } = await twoRecords();
    await store.set("a", "1 again");
    await store.compact();
    const log = fs.readFile(LOG)!;
    expect(frameOffsets(log)).toEqual([LOG_PREFIX_LENGTH, frameOffsets(log)[1]]);
    expect((await store.list("*")).map((info) => info.name)).toEqual(["b", "a"]);
    expect(await store.get("a")).toBe("1 again");
  });

  it("a torn tail seen at unlock is dropped then, under the lock", async () => {
    const fs = new MemoryFileSystem();
    const runtime = memoryRuntime(fs);
    const store = await SecretStore.open({ runtime, directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "pw" });
    await store.set("a", "1");
    const whole = fs.readFile(LOG)!.length;
    fs.appendFile(LOG, new Uint8Array([1, 2, 3]));
    const other = await SecretStore.open({ runtime, directory: DIRECTORY, kdf: MIN_KDF });
    await other.unlock("pw");
    expect(fs.readFile(LOG)!.length).toBe(whole);
    expect(runtime.warnings).toEqual([`secretstore: dropping 3 bytes of an incomplete record at the end of ${LOG} (an interrupted write)\n`]);
  });

  it("a zero-filled tail is not damage", async () => {
    const { fs, reopen } = await twoRecords();
    fs.appendFile(LOG, new Uint8Array(FRAME_HEADER_LENGTH + 5));
    expect(await (await reopen()).get("b")).toBe("2");
    const nonZero = new Uint8Array(FRAME_HEADER_LENGTH + 5);
    nonZero[FRAME_HEADER_LENGTH + 4] = 1;
    const at = fs.readFile(LOG)!.length;
    fs.appendFile(LOG, nonZero);
    expect(await failure(async () => (await reopen()).get("b"))).toBe(damaged(`damaged record header at byte ${at - FRAME_HEADER_LENGTH - 5} of ${LOG}`));
  });
});

describe("a log that changes under the lock", () => {
  /** `fs` whose next log handle is wrapped by `wrap`. */
  function wrapNextLogHandle(fs: MemoryFileSystem, wrap: (handle: AppendHandle) => AppendHandle): void {
    const openAppend = fs.openAppend.bind(fs);
    fs.openAppend = (path, mode) => {
      const handle = openAppend(path, mode);
      if (path !== LOG) return handle;
      fs.openAppend = openAppend;
      return wrap(handle);
    };
  }

  it("replaced after this writer opened it: IO_ERROR, nothing written", async () => {
    const { fs, store } = await twoRecords();
    const before = fs.readFile(LOG)!;
    wrapNextLogHandle(fs, (handle) => {
      fs.writeFileAtomic(LOG, fs.readFile(LOG)!);
      return handle;
    });
    expect(await failure(() => store.set("c", "3"))).toBe(`IO_ERROR: ${LOG} was replaced while this process held the lock`);
    expect(fs.readFile(LOG)).toEqual(before);
  });

  it("grown between the check and the append: IO_ERROR, nothing written", async () => {
    const { fs, store } = await twoRecords();
    const before = fs.readFile(LOG)!;
    wrapNextLogHandle(fs, (handle) => {
      let stats = 0;
      return { ...handle, stat: () => (++stats === 2 ? { ...handle.stat(), size: handle.stat().size + 1 } : handle.stat()) };
    });
    expect(await failure(() => store.set("c", "3"))).toBe(`IO_ERROR: ${LOG} changed while this process held the lock; nothing was written`);
    expect(fs.readFile(LOG)).toEqual(before);
  });

  it("written to by someone else during the append: IO_ERROR, and this writer's bytes are cut off", async () => {
    const { fs, store, reopen } = await twoRecords();
    const before = fs.readFile(LOG)!;
    wrapNextLogHandle(fs, (handle) => ({
      ...handle,
      append: (data) => {
        handle.append(data);
        handle.append(new Uint8Array([9]));
      },
    }));
    expect(await failure(() => store.set("c", "3"))).toBe(`IO_ERROR: another process wrote to ${LOG} while this one held the lock`);
    expect(fs.readFile(LOG)).toEqual(before);
    expect(await (await reopen()).get("c")).toBeUndefined();
    await store.set("c", "3");
    expect(await (await reopen()).get("c")).toBe("3");
  });
});

describe("what the next holder of the lock finds", () => {
  it("after a lock takeover, the log moves to a new file and the taken-over lock files go", async () => {
    const { fs, store } = await twoRecords();
    const inode = fs.stat(LOG)!.ino;
    const before = fs.readFile(LOG)!;
    fs.writeFileAtomic(`${DIRECTORY}/store.lock.stale-1`, new Uint8Array([1]));
    fs.writeFileAtomic(`${DIRECTORY}/store.log.tmp-1-ab`, new Uint8Array([1]));
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(await other.get("a")).toBe("1");
    expect(fs.stat(LOG)!.ino).not.toBe(inode);
    expect(fs.readFile(LOG)).toEqual(before);
    expect(fs.readDir(DIRECTORY).sort()).toEqual(["store.header", "store.key", "store.log"]);
    await store.set("c", "3");
    expect(await other.get("c")).toBe("3");
  });

  it("a pending rotation header whose log never came is removed; the store stays as it was", async () => {
    const { fs, reopen } = await twoRecords();
    const header = fs.readFile(`${DIRECTORY}/store.header`)!;
    const pending = header.slice();
    pending[20]! ^= 1; // another store id: its log is not the one in place
    fs.writeFileAtomic(`${DIRECTORY}/store.header.next`, pending);
    const store = await reopen();
    expect(await store.get("b")).toBe("2");
    expect(fs.readFile(`${DIRECTORY}/store.header.next`)).toBeUndefined();
    expect(fs.readFile(`${DIRECTORY}/store.header`)).toEqual(header);
    fs.writeFileAtomic(`${DIRECTORY}/store.header.next`, new Uint8Array(10));
    expect(await (await reopen()).get("b")).toBe("2");
    expect(fs.readFile(`${DIRECTORY}/store.header.next`)).toBeUndefined();
  });

  it("a data key exported by one object unlocks another, for the timeout given", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "pw" });
    await store.set("a", "1");
    const key = store.exportDataKey();
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    other.unlockWithDataKey(key, { timeout: 0 });
    expect(await other.get("a")).toBe("1");
    expect(other.isLocked()).toBe(true);
    other.unlockWithDataKey(key);
    expect(await other.get("a")).toBe("1");
    expect(other.isLocked()).toBe(false);
    other.lock();
    expect(await failure(() => other.get("a"))).toBe("PASSWORD_REQUIRED: the SecretStore in /store is locked: unlock it with its password");
  });
});

describe("switching keys", () => {
  it("password to none writes a 0600 key file that opens the store without a password", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "pw" });
    await store.set("a", "1");
    store.lock();
    await store.setConfig({ authentication: "none" }, { password: "pw" });
    expect(store.config.authentication).toBe("none");
    expect(fs.files.get(KEY)!.mode).toBe(0o600);
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(other.isLocked()).toBe(false);
    expect(await other.get("a")).toBe("1");
  });

  it("a password change on a locked store unlocks it; the old password no longer opens, the new one does", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "old" });
    await store.set("a", "1");
    const records = fs.readFile(LOG);
    store.lock();
    expect(await failure(() => store.changePassword("wrong", "new"))).toBe("WRONG_PASSWORD: the password does not unlock this SecretStore");
    await store.changePassword("old", "new");
    expect(store.isLocked()).toBe(false);
    expect(await store.get("a")).toBe("1");
    expect(fs.readFile(LOG)).toEqual(records);
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    expect(await failure(() => other.unlock("old"))).toBe("WRONG_PASSWORD: the password does not unlock this SecretStore");
    await other.unlock("new");
    expect(await other.get("a")).toBe("1");
  });
});

describe("live bytes and compaction after reopening", () => {
  const sizeOf = (fs: MemoryFileSystem) => fs.readFile(LOG)!.length;
  const generationOf = (fs: MemoryFileSystem) => decodeLogPrefix(fs.readFile(LOG)!).generation;

  it("records read from the file count once each: garbage below the threshold does not compact", async () => {
    const { fs } = await twoRecords();
    const writer = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    await writer.set("x", "x".repeat(2000));
    await writer.set("a", "a".repeat(300));
    const reader = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, compactionThreshold: 1000 });
    await reader.set("a", "b".repeat(300));
    expect(generationOf(fs)).toBe(1);
  });

  it("garbage read from the file counts: past the threshold and the live bytes, it compacts", async () => {
    const { fs } = await twoRecords();
    const writer = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    for (const fill of ["c", "d", "e"]) await writer.set("a", fill.repeat(300));
    const reader = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, compactionThreshold: 100 });
    await reader.set("a", "f".repeat(300));
    expect(generationOf(fs)).toBe(2);
  });

  it("compacts only when garbage exceeds the threshold, not when it equals it", async () => {
    const fs = new MemoryFileSystem();
    const first = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    await first.create({ config: { authentication: "none" } });
    const empty = sizeOf(fs);
    await first.set("a", "a".repeat(500));
    const garbage = sizeOf(fs) - empty;
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, compactionThreshold: garbage });
    await store.set("a", "b");
    expect(generationOf(fs)).toBe(1);
    const lower = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, compactionThreshold: garbage - 1 });
    await lower.set("b", "c");
    expect(generationOf(fs)).toBe(2);
  });

  it("a log cut shorter in place than what was read is read again", async () => {
    const { fs, frames, reopen } = await twoRecords();
    const reader = await reopen();
    expect(await reader.get("b")).toBe("2");
    fs.overwrite(LOG, fs.readFile(LOG)!.slice(0, frames[1]));
    expect(await reader.get("b")).toBeUndefined();
    expect(await reader.get("a")).toBe("1");
  });

  it("a log of another store id under this header is refused as a reset in progress", async () => {
    const { fs, reopen } = await twoRecords();
    const log = fs.readFile(LOG)!;
    const other = log.slice(0, LOG_PREFIX_LENGTH);
    other[20]! ^= 1;
    fs.writeFileAtomic(LOG, encodeLogPrefix({ storeId: other.subarray(16, 32), generation: 1 }));
    expect(await failure(async () => (await reopen()).get("a"))).toBe("STORE_CORRUPT: the SecretStore log belongs to another store (it was reset)");
  });

  it("a value over 64 KiB is indexed like any other", async () => {
    const { store, reopen } = await twoRecords();
    await store.set("big", "z".repeat(70_000));
    await store.set("after", "1");
    const reader = await reopen();
    expect(await reader.get("big")).toBe("z".repeat(70_000));
    expect(await reader.get("after")).toBe("1");
  });
});

describe("the facade's checks", () => {
  it("names, values and metadata are validated before anything is read or written", async () => {
    const { fs, store } = await twoRecords();
    const before = fs.readFile(LOG);
    for (const work of [
      () => store.get(""),
      () => store.set("", "1"),
      () => store.set("c", 42 as unknown as string),
      () => store.set("c", "1", { bad: { nested: "x" } } as unknown as Record<string, string>),
      () => store.remove(""),
      () => store.setMetadata("", {}),
      () => store.setMetadata("a", { bad: { nested: "x" } } as unknown as Record<string, string>),
    ]) {
      expect(`${work} → ${await failure(work)}`).toMatch(/ → INVALID_ARGUMENT: /);
    }
    expect(fs.readFile(LOG)).toEqual(before);
  });

  it("reset needs { force: true }; it empties the store under a new id", async () => {
    const { store } = await twoRecords();
    const id = store.storeId;
    expect(await failure(() => store.reset(undefined as unknown as { force: true }))).toBe(
      "INVALID_ARGUMENT: reset deletes every secret: pass { force: true } to confirm",
    );
    await store.reset({ force: true, config: { authentication: "none" } });
    expect(store.storeId).not.toBe(id);
    expect(await store.list("*")).toEqual([]);
    expect(await failure(() => store.reset({ force: true, config: { interaction: "x" as "none" } }))).toBe(
      'INVALID_ARGUMENT: interaction must be "prompt" or "none"',
    );
  });

  it("an exported data key is a copy; a new password must be a non-empty string; -1 is a valid timeout", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "pw" });
    const key = store.exportDataKey();
    key.fill(0);
    expect(store.exportDataKey()).not.toEqual(new Uint8Array(32));
    expect(await failure(() => store.changePassword("pw", 42 as unknown as string))).toBe("INVALID_ARGUMENT: the new password must not be empty");
    store.unlockWithDataKey(store.exportDataKey(), { timeout: -1 });
    expect(store.isLocked()).toBe(false);
  });

  it("rotating the data key reports progress record by record", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ password: "pw" });
    await store.set("a", "1");
    await store.set("b", "2");
    const progress: number[][] = [];
    await store.changePassword("pw", "new", { rotateKey: true, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([[1, 2], [2, 2]]);
    expect(await store.get("b")).toBe("2");
  });
});

describe("other objects on the same store", () => {
  it("after a reset elsewhere, a password store object drops its old key instead of writing under it", async () => {
    const fs = new MemoryFileSystem();
    const first = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await first.create({ password: "pw" });
    await first.set("a", "1");
    const second = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await second.unlock("pw");
    expect(await second.get("a")).toBe("1");
    await first.reset({ force: true, password: "pw2" });
    const locked = "PASSWORD_REQUIRED: the SecretStore in /store is locked: unlock it with its password";
    expect(await failure(() => second.get("a"))).toBe(locked);
    expect(await failure(() => second.set("b", "2"))).toBe(locked);
    await second.unlock("pw2");
    await second.set("b", "2");
    expect(await first.get("b")).toBe("2");
    expect(await first.get("a")).toBeUndefined();
  });

  it("after a reset elsewhere, a no-password store object reads and writes the new store at once", async () => {
    const fs = new MemoryFileSystem();
    const first = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await first.create({ config: { authentication: "none" } });
    await first.set("a", "1");
    const second = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    expect(await second.get("a")).toBe("1");
    await first.reset({ force: true, config: { authentication: "none" } });
    await first.set("b", "2");
    expect(await second.get("b")).toBe("2");
    expect(await second.get("a")).toBeUndefined();
    await second.set("c", "3");
    expect(await first.get("c")).toBe("3");
  });

  it("a reset to a password store removes the key file of the store it replaces", async () => {
    const fs = new MemoryFileSystem();
    const store = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await store.create({ config: { authentication: "none" } });
    expect(fs.readFile(KEY)).toBeDefined();
    await store.reset({ force: true, password: "pw" });
    expect(fs.readFile(KEY)).toBeUndefined();
    expect(store.config.authentication).toBe("password");
  });

  it("rotating the data key first catches up with what another object wrote", async () => {
    const fs = new MemoryFileSystem();
    const rotating = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await rotating.create({ password: "pw" });
    await rotating.set("a", "1");
    const writer = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    writer.unlockWithDataKey(rotating.exportDataKey());
    await writer.set("b", "2");
    await rotating.changePassword("pw", "new", { rotateKey: true });
    expect(await rotating.get("b")).toBe("2");
  });
});
