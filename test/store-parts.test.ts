/**
 * The store engine's parts on their own and the facade's argument checks, over an in-memory file
 * system (test/helpers/memory-fs.ts) so they run in milliseconds: the key's lifetime (KeyState and
 * its exit hook), the three ways to get the keys, the header file's re-reading, the store
 * directory's leftovers and whole-file replacement, and the messages the engine refuses bad calls
 * with. These pin down what the mutation run (`npm run mutation`) changes in core/store.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { toHex } from "../core/crypto/bytes.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import type { Runtime } from "../core/runtime.ts";
import { FILE_NAMES, PENDING_HEADER, sameStamp, stampOf, StoreDirectory } from "../core/store/directory.ts";
import { decodeHeader, encodeKeyFile, HEADER_LENGTH, LOG_PREFIX_LENGTH } from "../core/store/format.ts";
import { configHeader, HeaderFile, passwordHeader } from "../core/store/header-file.ts";
import { KeyState, keysFromDataKey, keysFromKeyFile, keysFromPassword } from "../core/store/key-state.ts";
import { HEADER_KEY_LABEL, NAME_KEY_LABEL, RECORD_KEY_LABEL, StoreKeys, subkey } from "../core/store/keys.ts";
import { MAX_PASSWORD_TIMEOUT, SecretStore } from "../core/store/secret-store.ts";
import { failure } from "./helpers/failure.ts";
import { MemoryFileSystem, memoryRuntime } from "./helpers/memory-fs.ts";

const fill = (length: number, from: number) => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);
const DIRECTORY = "/store";
const PASSWORD = "parts password";

afterEach(() => {
  vi.useRealTimers();
});

describe("StoreKeys", () => {
  it("derives one subkey per purpose from its label, and a 16-byte name hash", () => {
    const dataKey = fill(32, 1);
    const keys = new StoreKeys(dataKey);
    expect(RECORD_KEY_LABEL).toBe("secretmanagement/store/v1/record");
    expect(NAME_KEY_LABEL).toBe("secretmanagement/store/v1/name");
    expect(HEADER_KEY_LABEL).toBe("secretmanagement/store/v1/header");
    expect(toHex(keys.recordKey)).toBe(toHex(subkey(dataKey, RECORD_KEY_LABEL)));
    expect(toHex(keys.headerKey)).toBe(toHex(subkey(dataKey, HEADER_KEY_LABEL)));
    const names = new StoreKeys(subkey(dataKey, NAME_KEY_LABEL));
    expect(toHex(keys.nameHash("a"))).toBe(toHex(subkey(subkey(dataKey, NAME_KEY_LABEL), "a").subarray(0, 16)));
    expect(keys.nameHash("a").length).toBe(16);
    expect(toHex(keys.nameHash("a"))).not.toBe(toHex(keys.nameHash("b")));
    expect(toHex(keys.headerTag(fill(10, 0)))).toBe(toHex(subkey(keys.headerKey, String.fromCharCode(...fill(10, 0)))));
    names.destroy();
  });

  it("destroy zeroes the data key and every subkey, and the name hash is gone", () => {
    const keys = new StoreKeys(fill(32, 1));
    const held = [keys.dataKey, keys.recordKey, keys.headerKey];
    keys.destroy();
    for (const buffer of held) expect(buffer).toEqual(new Uint8Array(buffer.length));
    expect(() => keys.nameHash("a")).toThrow("destroyed");
  });
});

describe("KeyState", () => {
  function owner() {
    const calls: string[] = [];
    let state: KeyState;
    const lockable = { lock: () => { calls.push("lock"); state.forget(); } };
    state = new KeyState(memoryRuntime(), lockable);
    return { calls, state };
  }

  it("holds keys until their timeout, then locks the owner when next asked", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { calls, state } = owner();
    const keys = new StoreKeys(fill(32, 1));
    state.hold(keys, 10);
    expect(state.singleUse).toBe(false);
    vi.setSystemTime(1_000_000 + 9_999);
    expect(state.current).toBe(keys);
    expect(calls).toEqual([]);
    vi.setSystemTime(1_000_000 + 10_000);
    expect(state.held).toBe(keys);
    expect(state.current).toBeUndefined();
    expect(calls).toEqual(["lock"]);
    expect(keys.dataKey).toEqual(new Uint8Array(32));
  });

  it("timeout 0 lasts one operation (no expiry check), -1 until exit, and holding anew drops the old key", () => {
    vi.useFakeTimers({ now: 5_000 });
    const { calls, state } = owner();
    expect(state.singleUse).toBe(false);
    const first = new StoreKeys(fill(32, 1));
    state.hold(first, 0);
    expect(state.singleUse).toBe(true);
    vi.setSystemTime(10_000_000);
    expect(state.current).toBe(first);
    const second = new StoreKeys(fill(32, 2));
    state.hold(second, -1);
    expect(first.dataKey).toEqual(new Uint8Array(32));
    expect(state.singleUse).toBe(false);
    vi.setSystemTime(1e15); // within Date's range (a later time would make Date.now() NaN)
    expect(state.current).toBe(second);
    state.forget();
    expect(state.current).toBeUndefined();
    expect(state.singleUse).toBe(false);
    expect(calls).toEqual([]);
  });

  it("one exit hook per runtime zeroes every key still held then; a key dropped before is not kept for it", () => {
    const hooks: (() => void)[] = [];
    const runtime: Runtime = { ...memoryRuntime(), onExit: (hook) => void hooks.push(hook) };
    const states = ["a", "b", "c", "d"].map(() => {
      const state: KeyState = new KeyState(runtime, { lock: () => state.forget() });
      return state;
    });
    const keys = [1, 2, 3, 4, 5, 6].map((byte) => new StoreKeys(fill(32, byte)));
    states[0]!.hold(keys[0]!, -1);
    states[0]!.hold(keys[1]!, -1);
    states[1]!.hold(keys[2]!, -1);
    states[1]!.hold(keys[3]!, 60);
    states[2]!.hold(keys[4]!, 60);
    states[2]!.forget();
    states[3]!.hold(keys[5]!, 0);
    expect(hooks).toHaveLength(1);
    const zeroed = () => keys.map((each) => each.dataKey.every((byte) => byte === 0));
    // Replaced or forgotten keys are zeroed at once; the single-use key lasts its operation.
    expect(zeroed()).toEqual([true, false, true, false, true, false]);
    hooks[0]!();
    expect(zeroed()).toEqual([true, true, true, true, true, false]);
    expect(keys[1]!.recordKey.every((byte) => byte === 0)).toBe(true);
  });
});

describe("unlocking", () => {
  const config = { authentication: "password", passwordTimeout: 900, interaction: "prompt" } as const;
  const storeId = fill(16, 0x10);

  it("a password unwraps the data key; a wrong one is WRONG_PASSWORD; a bad tag is STORE_CORRUPT", async () => {
    const keys = new StoreKeys(fill(32, 7));
    const header = decodeHeader(await passwordHeader(keys, config, storeId, PASSWORD, MIN_KDF));
    const unlocked = await keysFromPassword(header, PASSWORD);
    expect(toHex(unlocked.dataKey)).toBe(toHex(keys.dataKey));
    expect(await failure(() => keysFromPassword(header, "wrong"))).toBe("WRONG_PASSWORD: the password does not unlock this SecretStore");
    const badTag = header.bytes.slice();
    badTag[HEADER_LENGTH - 1]! ^= 1;
    expect(await failure(() => keysFromPassword(decodeHeader(badTag), PASSWORD))).toBe(
      "STORE_CORRUPT: the SecretStore is damaged: the header does not match its tag",
    );
    // The configuration bytes are outside the wrap but under the tag.
    const badConfig = header.bytes.slice();
    badConfig[15] = 0x85;
    expect(await failure(() => keysFromPassword(decodeHeader(badConfig), PASSWORD))).toBe(
      "STORE_CORRUPT: the SecretStore is damaged: the header does not match its tag",
    );
  });

  it("a data key handed over must be 32 bytes and match the header tag; it is copied", async () => {
    const keys = new StoreKeys(fill(32, 7));
    const header = decodeHeader(configHeader(keys, { ...config, authentication: "none" }, storeId, undefined));
    const wrong = "WRONG_PASSWORD: the password does not unlock this SecretStore";
    const handed = fill(32, 7);
    const unlocked = keysFromDataKey(header, handed);
    handed.fill(0);
    expect(toHex(unlocked.dataKey)).toBe(toHex(fill(32, 7)));
    for (const key of [fill(31, 7), fill(33, 7), fill(32, 8), [...fill(32, 7)] as unknown as Uint8Array]) {
      expect(await failure(() => keysFromDataKey(header, key))).toBe(wrong);
    }
  });

  it("a key file must be the header's: same store id and a matching tag; its bytes are zeroed", async () => {
    const keys = new StoreKeys(fill(32, 7));
    const header = decodeHeader(configHeader(keys, { ...config, authentication: "none" }, storeId, undefined));
    const bytes = encodeKeyFile(storeId, fill(32, 7));
    expect(toHex(keysFromKeyFile(header, bytes).dataKey)).toBe(toHex(fill(32, 7)));
    expect(bytes).toEqual(new Uint8Array(64));
    const foreign = "STORE_CORRUPT: the SecretStore is damaged: the key file does not belong to this store's header";
    expect(await failure(() => keysFromKeyFile(header, encodeKeyFile(fill(16, 0x11), fill(32, 7))))).toBe(foreign);
    expect(await failure(() => keysFromKeyFile(header, encodeKeyFile(storeId, fill(32, 8))))).toBe(foreign);
  });

  it("keys made for a refused unlock are destroyed", async () => {
    const keys = new StoreKeys(fill(32, 7));
    const header = decodeHeader(configHeader(keys, { ...config, authentication: "none" }, storeId, undefined));
    const badTag = header.bytes.slice();
    badTag[HEADER_LENGTH - 1]! ^= 1;
    const password = decodeHeader(await passwordHeader(keys, config, storeId, PASSWORD, MIN_KDF));
    const passwordBadTag = password.bytes.slice();
    passwordBadTag[15] = 0x85;
    const destroy = vi.spyOn(StoreKeys.prototype, "destroy");
    try {
      for (const refused of [
        () => keysFromDataKey(header, fill(32, 8)),
        () => keysFromKeyFile(header, encodeKeyFile(storeId, fill(32, 8))),
        () => keysFromPassword(decodeHeader(passwordBadTag), PASSWORD),
      ]) {
        destroy.mockClear();
        expect(await failure(refused)).toBeDefined();
        expect(destroy).toHaveBeenCalledTimes(1);
      }
    } finally {
      destroy.mockRestore();
    }
  });

  it("a config header keeps the wrapped key of a password header and is tagged under the header key", async () => {
    const keys = new StoreKeys(fill(32, 7));
    const previous = decodeHeader(await passwordHeader(keys, config, storeId, PASSWORD, MIN_KDF));
    const changed = decodeHeader(configHeader(keys, { ...config, passwordTimeout: 5 }, storeId, previous));
    expect(changed.config.passwordTimeout).toBe(5);
    expect(toHex(changed.wrappedKey)).toBe(toHex(previous.wrappedKey));
    expect(toHex(changed.salt)).toBe(toHex(previous.salt));
    expect(changed.kdf).toEqual(MIN_KDF);
    expect(toHex((await keysFromPassword(changed, PASSWORD)).dataKey)).toBe(toHex(keys.dataKey));
  });
});

describe("HeaderFile", () => {
  const path = `${DIRECTORY}/${FILE_NAMES.header}`;
  const none = { authentication: "none", passwordTimeout: 0, interaction: "none" } as const;

  function setup() {
    const fs = new MemoryFileSystem();
    fs.mkdir(DIRECTORY);
    const replaced: number[] = [];
    const file = new HeaderFile(fs, path, DIRECTORY, () => replaced.push(1));
    return { fs, replaced, file };
  }

  it("no file: no header, and require says there is no store yet", async () => {
    const { file } = setup();
    expect(file.read()).toBeUndefined();
    expect(file.known).toBeUndefined();
    expect(await failure(() => file.require())).toBe("VAULT_UNAVAILABLE: there is no SecretStore in /store yet");
  });

  it("re-reads a changed file; another store id or a removed file calls onReplaced", () => {
    const { fs, replaced, file } = setup();
    const keys = new StoreKeys(fill(32, 7));
    fs.writeFileAtomic(path, configHeader(keys, none, fill(16, 1), undefined));
    expect(file.require().config).toEqual(none);
    expect(replaced).toEqual([]);
    fs.writeFileAtomic(path, configHeader(keys, { ...none, passwordTimeout: 3 }, fill(16, 1), undefined));
    expect(file.read()!.config.passwordTimeout).toBe(3);
    expect(replaced).toEqual([]);
    fs.writeFileAtomic(path, configHeader(keys, none, fill(16, 2), undefined));
    expect(toHex(file.read()!.storeId)).toBe(toHex(fill(16, 2)));
    expect(replaced).toEqual([1]);
    fs.remove(path);
    expect(file.read()).toBeUndefined();
    expect(replaced).toEqual([1, 1]);
  });

  it("a file that disappears between stat and read is no header (onReplaced)", () => {
    const { fs, replaced, file } = setup();
    fs.writeFileAtomic(path, configHeader(new StoreKeys(fill(32, 7)), none, fill(16, 1), undefined));
    expect(file.read()).toBeDefined();
    fs.writeFileAtomic(path, configHeader(new StoreKeys(fill(32, 7)), none, fill(16, 2), undefined));
    const readFile = fs.readFile.bind(fs);
    fs.readFile = (at) => (at === path ? undefined : readFile(at));
    expect(file.read()).toBeUndefined();
    expect(file.known).toBeUndefined();
    expect(replaced).toEqual([1]);
  });

  it("reload reads the file again even when its stamp is unchanged", () => {
    const { fs, file } = setup();
    const keys = new StoreKeys(fill(32, 7));
    fs.writeFileAtomic(path, configHeader(keys, none, fill(16, 1), undefined));
    file.read();
    const node = fs.files.get(path)!;
    const mtime = node.mtimeMs;
    node.data = configHeader(keys, { ...none, passwordTimeout: 9 }, fill(16, 1), undefined);
    node.mtimeMs = mtime;
    expect(file.read()!.config.passwordTimeout).toBe(0);
    file.reload();
    expect(file.known!.config.passwordTimeout).toBe(9);
    file.forget();
    expect(file.known).toBeUndefined();
  });

  it("a directory in its place, or KDF parameters out of bounds, is STORE_CORRUPT", async () => {
    const { fs, file } = setup();
    fs.mkdir(path);
    expect(await failure(() => file.read())).toBe(`STORE_CORRUPT: the SecretStore is damaged: ${path} is not a file`);
    fs.directories.delete(path);
    const keys = new StoreKeys(fill(32, 7));
    const header = await passwordHeader(keys, { ...none, authentication: "password" }, fill(16, 1), PASSWORD, MIN_KDF);
    header[43] = 1; // iterations 0x0100_0002
    fs.writeFileAtomic(path, header);
    expect(await failure(() => file.read())).toBe("STORE_CORRUPT: the SecretStore is damaged: the header's KDF iterations must be an integer from 2 to 10");
  });
});

describe("StoreDirectory", () => {
  function setup() {
    const fs = new MemoryFileSystem();
    fs.mkdir(DIRECTORY);
    const runtime = memoryRuntime(fs);
    return { fs, directory: new StoreDirectory(runtime, fs, DIRECTORY) };
  }

  it("a file is the same as when read only if inode, size and mtime all match", () => {
    const info = { size: 10, mode: 0o600, uid: 1, ino: 7, mtimeMs: 123.5, isFile: true, isDirectory: false };
    const stamp = stampOf(info);
    expect(stamp).toEqual({ ino: 7, size: 10, mtimeMs: 123.5 });
    expect(sameStamp(stamp, info)).toBe(true);
    expect(sameStamp(stamp, { ...info, mode: 0o644, uid: 2 })).toBe(true);
    expect(sameStamp(stamp, { ...info, ino: 8 })).toBe(false);
    expect(sameStamp(stamp, { ...info, size: 11 })).toBe(false);
    expect(sameStamp(stamp, { ...info, mtimeMs: 123.6 })).toBe(false);
    expect(sameStamp(undefined, info)).toBe(false);
    expect(sameStamp(stamp, undefined)).toBe(false);
    expect(sameStamp(undefined, undefined)).toBe(false);
  });

  it("names its files in the store directory", () => {
    const { directory } = setup();
    expect(directory.paths).toEqual({
      header: "/store/store.header",
      log: "/store/store.log",
      key: "/store/store.key",
      lock: "/store/store.lock",
      pendingHeader: "/store/store.header.next",
    });
    expect(PENDING_HEADER).toBe("store.header.next");
  });

  it("finds and removes what a crash or a lost lock leaves, and keeps everything else", () => {
    const { fs, directory } = setup();
    for (const name of ["store.header", "store.log", "store.key", "other.tmp", "notes"]) fs.writeFileAtomic(`${DIRECTORY}/${name}`, fill(1, 0));
    expect(directory.hasLeftovers()).toBe(false);
    const temporary = ["store.header.tmp-1-ab", "store.log.tmp-2-cd", "store.key.tmp-3-ef", "store.header.next.tmp-4-01"];
    for (const name of ["x.tmp-9", ...temporary]) {
      fs.writeFileAtomic(`${DIRECTORY}/${name}`, fill(1, 0));
      expect(directory.hasLeftovers()).toBe(true);
      fs.remove(`${DIRECTORY}/${name}`);
      expect(directory.hasLeftovers()).toBe(false);
    }
    for (const name of [PENDING_HEADER, "store.lock.stale-1"]) {
      fs.writeFileAtomic(`${DIRECTORY}/${name}`, fill(1, 0));
      expect(directory.hasLeftovers()).toBe(true);
      fs.remove(`${DIRECTORY}/${name}`);
    }
    for (const name of [...temporary, "x.tmp-9", PENDING_HEADER, "store.lock.stale-1", "store.lock.stale-2", "store.lock"]) {
      fs.writeFileAtomic(`${DIRECTORY}/${name}`, fill(1, 0));
    }
    expect(directory.removeLeftovers()).toEqual({ pendingHeader: true, takenOverLocks: ["store.lock.stale-1", "store.lock.stale-2"] });
    expect(fs.readDir(DIRECTORY).sort()).toEqual(
      ["notes", "other.tmp", "store.header", "store.header.next", "store.key", "store.lock", "store.lock.stale-1", "store.lock.stale-2", "store.log", "x.tmp-9"],
    );
    directory.removeTakenOverLocks(["store.lock.stale-1"]);
    expect(fs.readDir(DIRECTORY)).not.toContain("store.lock.stale-1");
    expect(directory.removeLeftovers()).toEqual({ pendingHeader: true, takenOverLocks: ["store.lock.stale-2"] });
  });

  it("a missing directory has no leftovers", () => {
    const fs = new MemoryFileSystem();
    expect(new StoreDirectory(memoryRuntime(fs), fs, "/nowhere").hasLeftovers()).toBe(false);
  });

  it("replaces a file only under the lock, leaving no temporary file either way", async () => {
    const { fs, directory } = setup();
    const path = `${DIRECTORY}/store.key`;
    expect(directory.isLockHeld()).toBe(false);
    expect(await failure(() => directory.replaceFile(path, fill(4, 1)))).toBe(
      "LOCK_TIMEOUT: this process lost the lock /store/store.lock to another one (it was paused for longer than a lock may be held); the change was not made",
    );
    expect(fs.readDir(DIRECTORY)).toEqual([]);
    const recovered: string[] = [];
    const result = await directory.withLock(() => recovered.push("recover"), () => {
      expect(directory.isLockHeld()).toBe(true);
      directory.checkLockHeld();
      directory.replaceFile(path, fill(4, 1));
      return "done";
    });
    expect(result).toBe("done");
    expect(recovered).toEqual(["recover"]);
    expect(directory.isLockHeld()).toBe(false);
    expect(fs.readFile(path)).toEqual(fill(4, 1));
    expect(fs.files.get(path)!.mode).toBe(0o600);
    expect(fs.readDir(DIRECTORY).sort()).toEqual(["store.key"]);
  });

  it("a failed write removes its temporary file and passes the error on", async () => {
    const { fs, directory } = setup();
    fs.rename = () => {
      throw new Error("rename failed");
    };
    await expect(directory.withLock(() => undefined, () => directory.replaceFile(`${DIRECTORY}/x`, fill(2, 0))))
      .rejects.toThrow("rename failed");
    expect(fs.readDir(DIRECTORY)).toEqual([]);
  });
});

describe("SecretStore argument checks", () => {
  async function store(fs = new MemoryFileSystem(), options: { kdf?: typeof MIN_KDF; compactionThreshold?: number } = {}) {
    return await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: options.kdf ?? MIN_KDF, ...options });
  }

  it("needs a file system, and KDF options within the bounds", async () => {
    expect(await failure(() => SecretStore.open({ runtime: { ...memoryRuntime(), fs: undefined }, directory: DIRECTORY }))).toBe(
      "UNSUPPORTED: a SecretStore needs a file system; this runtime has none",
    );
    expect(await failure(() => store(undefined, { kdf: { ...MIN_KDF, parallelism: 5 } }))).toBe(
      "INVALID_ARGUMENT: KDF parallelism must be an integer from 1 to 4",
    );
  });

  it("refuses configurations outside what the header can say", async () => {
    const s = await store();
    const cases: [Record<string, unknown>, string][] = [
      [{ authentication: "pin" }, 'INVALID_ARGUMENT: authentication must be "password" or "none"'],
      [{ interaction: "gui" }, 'INVALID_ARGUMENT: interaction must be "prompt" or "none"'],
      [{ passwordTimeout: -2 }, `INVALID_ARGUMENT: passwordTimeout must be a whole number of seconds from -1 to ${MAX_PASSWORD_TIMEOUT}`],
      [{ passwordTimeout: 1.5 }, `INVALID_ARGUMENT: passwordTimeout must be a whole number of seconds from -1 to ${MAX_PASSWORD_TIMEOUT}`],
      [{ passwordTimeout: MAX_PASSWORD_TIMEOUT + 1 }, `INVALID_ARGUMENT: passwordTimeout must be a whole number of seconds from -1 to ${MAX_PASSWORD_TIMEOUT}`],
    ];
    for (const [config, expected] of cases) {
      expect(await failure(() => s.create({ password: PASSWORD, config }))).toBe(expected);
      expect(await failure(() => s.setConfig(config))).toBe(expected);
    }
    expect(MAX_PASSWORD_TIMEOUT).toBe(2147483);
    expect(await failure(() => s.create({ config: {} }))).toBe("PASSWORD_REQUIRED: a new SecretStore with password authentication needs a password");
    expect(await failure(() => s.create({ password: "" }))).toBe("PASSWORD_REQUIRED: a new SecretStore with password authentication needs a password");
    expect(await failure(() => s.reset({ force: false }))).toBe("INVALID_ARGUMENT: reset deletes every secret: pass { force: true } to confirm");
    expect(s.exists()).toBe(false);
  });

  it("takes the extreme timeouts, and refuses bad unlock arguments", async () => {
    const fs = new MemoryFileSystem();
    const s = await store(fs);
    await s.create({ password: PASSWORD, config: { passwordTimeout: MAX_PASSWORD_TIMEOUT } });
    expect(s.config.passwordTimeout).toBe(MAX_PASSWORD_TIMEOUT);
    await s.setConfig({ passwordTimeout: -1 });
    expect(s.config.passwordTimeout).toBe(-1);
    const message = "INVALID_ARGUMENT: the unlock timeout must be a number of seconds, -1 or more";
    for (const timeout of [-1.5, Infinity, Number.NaN, "5" as unknown as number]) {
      expect(await failure(() => s.unlock(PASSWORD, { timeout }))).toBe(message);
      expect(await failure(() => s.unlockWithDataKey(fill(32, 0), { timeout }))).toBe(message);
    }
    expect(await failure(() => s.unlock(42 as unknown as string))).toBe("INVALID_ARGUMENT: the password must be a string");
    expect(await failure(() => s.changePassword(PASSWORD, ""))).toBe("INVALID_ARGUMENT: the new password must not be empty");
    await s.unlock(PASSWORD, { timeout: 0.5 });
    expect(s.isLocked()).toBe(false);
  });

  it("an existing store is VAULT_EXISTS; a locked one is PASSWORD_REQUIRED naming its directory", async () => {
    const fs = new MemoryFileSystem();
    const s = await store(fs);
    expect(s.isLocked()).toBe(true);
    expect(s.config).toEqual({ authentication: "password", passwordTimeout: 900, interaction: "prompt" });
    await s.create({ password: PASSWORD });
    expect(await failure(() => s.create({ password: PASSWORD }))).toBe("VAULT_EXISTS: a SecretStore already exists in /store");
    expect(s.storeId).toMatch(/^[0-9a-f]{32}$/);
    s.lock();
    const locked = "PASSWORD_REQUIRED: the SecretStore in /store is locked: unlock it with its password";
    expect(await failure(() => s.get("a"))).toBe(locked);
    expect(await failure(() => s.setConfig({ passwordTimeout: 1 }))).toBe(locked);
    expect(await failure(() => s.setConfig({ authentication: "password" }, { password: "wrong" }))).toBe(
      "WRONG_PASSWORD: the password does not unlock this SecretStore",
    );
  });

  it("a no-password store: refuses a password change, needs the new password to switch back", async () => {
    const fs = new MemoryFileSystem();
    const s = await store(fs);
    await s.create({ config: { authentication: "none" } });
    expect(s.isLocked()).toBe(false);
    expect(await failure(() => s.changePassword("", "new"))).toBe(
      "INVALID_ARGUMENT: this SecretStore has no password; set authentication to password instead",
    );
    expect(await failure(() => s.setConfig({ authentication: "password" }))).toBe(
      "PASSWORD_REQUIRED: switching to password authentication needs the new password",
    );
    await s.set("a", "1");
    await s.setConfig({ authentication: "password" }, { password: PASSWORD });
    expect(fs.readFile(`${DIRECTORY}/store.key`)).toBeUndefined();
    const other = await store(fs);
    await other.unlock(PASSWORD);
    expect(await other.get("a")).toBe("1");
  });

  it("writes that name nothing are refused with the name, and a no-clobber set keeps the stored name", async () => {
    const fs = new MemoryFileSystem();
    const s = await store(fs);
    await s.create({ config: { authentication: "none" } });
    await s.set("Alpha", "1");
    expect(await failure(() => s.set("ALPHA", "2", undefined, { noClobber: true }))).toBe('SECRET_EXISTS: a secret named "Alpha" already exists');
    expect(await failure(() => s.remove("beta"))).toBe('SECRET_NOT_FOUND: no secret named "beta"');
    expect(await failure(() => s.setMetadata("beta", {}))).toBe('SECRET_NOT_FOUND: no secret named "beta"');
    await s.set("beta", "2", undefined, { noClobber: true });
    expect(await s.get("beta")).toBe("2");
    expect(await s.list("*")).toEqual([
      { name: "Alpha", type: "string", metadata: {} },
      { name: "beta", type: "string", metadata: {} },
    ]);
    expect(await s.list("a*")).toEqual([{ name: "Alpha", type: "string", metadata: {} }]);
  });

  it("compacts once garbage passes both the threshold and the live bytes, and not before", async () => {
    const fs = new MemoryFileSystem();
    const s = await store(fs, { compactionThreshold: 400 });
    await s.create({ config: { authentication: "none" } });
    const log = `${DIRECTORY}/store.log`;
    const generation = () => toHex(fs.readFile(log)!.subarray(32, 40));
    await s.set("a", "x".repeat(300));
    await s.set("a", "y".repeat(300)); // garbage ≈ 380 bytes: below the threshold
    expect(generation()).toBe("0000000000000001");
    await s.set("a", "z".repeat(300)); // garbage ≈ 760 bytes: above both
    expect(generation()).toBe("0000000000000002");
    expect(fs.readFile(log)!.length).toBeLessThan(LOG_PREFIX_LENGTH + 500);
    await s.set("big", "b".repeat(2000));
    await s.set("a", "w".repeat(300));
    await s.set("a", "v".repeat(300)); // garbage above the threshold but below the live bytes
    expect(generation()).toBe("0000000000000002");
    expect(await s.get("a")).toBe("v".repeat(300));
  });

  it("a failed compaction after a saved write is a warning, and the write stands", async () => {
    const fs = new MemoryFileSystem();
    const runtime = memoryRuntime(fs);
    const s = await SecretStore.open({ runtime, directory: DIRECTORY, compactionThreshold: 0 });
    await s.create({ config: { authentication: "none" } });
    await s.set("a", "1".repeat(100));
    const rename = fs.rename.bind(fs);
    fs.rename = (from, to) => {
      if (to.endsWith("store.log")) throw new Error("disk full");
      rename(from, to);
    };
    await s.set("a", "2");
    expect(runtime.warnings).toEqual([
      "secretstore: warning: the write is saved, but compacting /store/store.log failed (disk full); the next write tries again\n",
    ]);
    fs.rename = rename;
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(await other.get("a")).toBe("2");
  });

  it("a torn tail is cut off at the next write with a warning naming its size", async () => {
    const fs = new MemoryFileSystem();
    const runtime = memoryRuntime(fs);
    const s = await SecretStore.open({ runtime, directory: DIRECTORY });
    await s.create({ config: { authentication: "none" } });
    await s.set("a", "1");
    const log = `${DIRECTORY}/store.log`;
    const whole = fs.readFile(log)!;
    fs.appendFile(log, fill(7, 1));
    const other = await SecretStore.open({ runtime, directory: DIRECTORY });
    expect(await other.get("a")).toBe("1");
    await other.set("b", "2");
    expect(runtime.warnings).toEqual([
      "secretstore: dropping 7 bytes of an incomplete record at the end of /store/store.log (an interrupted write)\n",
    ]);
    expect(toHex(fs.readFile(log)!.subarray(0, whole.length))).toBe(toHex(whole));
    expect(await s.get("b")).toBe("2");
  });

  it("a missing log is STORE_CORRUPT naming it, for reads and writes", async () => {
    const fs = new MemoryFileSystem();
    const s = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    await s.create({ config: { authentication: "none" } });
    fs.remove(`${DIRECTORY}/store.log`);
    const missing = "STORE_CORRUPT: the SecretStore is damaged: the log file /store/store.log is missing";
    expect(await failure(() => s.set("a", "1"))).toBe(missing);
    expect(await failure(() => s.get("a"))).toBe(missing);
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(await failure(() => other.get("a"))).toBe(missing);
    fs.remove(`${DIRECTORY}/store.key`);
    const third = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(await failure(() => third.get("a"))).toBe("STORE_CORRUPT: the SecretStore is damaged: the key file /store/store.key is missing");
  });
});

describe("SecretStore state", () => {
  it("config is a copy; storeId needs a store", async () => {
    const fs = new MemoryFileSystem();
    const s = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    expect(await failure(() => s.storeId)).toBe("VAULT_UNAVAILABLE: there is no SecretStore in /store yet");
    await s.create({ config: { authentication: "none", interaction: "none" } });
    const config = s.config;
    config.passwordTimeout = 5;
    expect(s.config).toEqual({ authentication: "none", passwordTimeout: 900, interaction: "none" });
  });

  it("a store whose configured timeout is 0 locks after each operation", async () => {
    const fs = new MemoryFileSystem();
    const s = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await s.create({ password: PASSWORD, config: { passwordTimeout: 0 } });
    expect(s.isLocked()).toBe(false);
    await s.set("a", "1");
    expect(s.isLocked()).toBe(true);
    await s.unlock(PASSWORD);
    expect(await s.get("a")).toBe("1");
    expect(s.isLocked()).toBe(true);
  });

  it("unlocking a password store removes a key file a crashed switch left; a no-password store unlocks with anything", async () => {
    const fs = new MemoryFileSystem();
    const s = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await s.create({ password: PASSWORD });
    fs.writeFileAtomic(`${DIRECTORY}/store.key`, new Uint8Array(64));
    const other = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY, kdf: MIN_KDF });
    await other.unlock(PASSWORD);
    expect(fs.readFile(`${DIRECTORY}/store.key`)).toBeUndefined();
    const none = new MemoryFileSystem();
    const n = await SecretStore.open({ runtime: memoryRuntime(none), directory: DIRECTORY });
    await n.create({ config: { authentication: "none" } });
    await n.set("a", "1");
    const again = await SecretStore.open({ runtime: memoryRuntime(none), directory: DIRECTORY });
    await again.unlock("anything");
    expect(await again.get("a")).toBe("1");
  });

  it("a value replaced without metadata keeps it; setMetadata replaces only the metadata", async () => {
    const fs = new MemoryFileSystem();
    const s = await SecretStore.open({ runtime: memoryRuntime(fs), directory: DIRECTORY });
    await s.create({ config: { authentication: "none" } });
    await s.set("a", "1", { owner: "x" });
    await s.set("A", "2");
    expect(await s.list("*")).toEqual([{ name: "A", type: "string", metadata: { owner: "x" } }]);
    await s.set("a", "3", {});
    expect(await s.list("*")).toEqual([{ name: "a", type: "string", metadata: {} }]);
    await s.setMetadata("A", { team: "y" });
    expect(await s.get("a")).toBe("3");
    expect(await s.list("*")).toEqual([{ name: "a", type: "string", metadata: { team: "y" } }]);
    expect(await s.get("missing")).toBeUndefined();
  });
});
