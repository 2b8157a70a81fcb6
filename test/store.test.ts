/**
 * SecretStore engine: keys, config, timeouts, concurrency, tampering and torn writes. Stores use the
 * cheapest KDF parameters the bounds allow (m = 19 MiB, t = 2) through the explicit `kdf` option.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { crc32, readU32, writeU32, writeU64 } from "../core/crypto/bytes.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import { FRAME_HEADER_LENGTH, LOG_PREFIX_LENGTH } from "../core/store/format.ts";
import { StoreKeys } from "../core/store/keys.ts";
import { FILE_NAMES, SecretStore, type StoreConfig } from "../core/store/secret-store.ts";
import type { Runtime } from "../core/runtime.ts";
import { SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";
import { DIST, ROOT, runScript } from "./helpers/runtimes.ts";

const PASSWORD = "correct horse battery staple";
const CHEAP = { ...MIN_KDF };

/** The node runtime with stderr captured, to assert warnings. */
function capturingRuntime(): Runtime & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...nodeRuntime, warnings, writeStderr: (data: string | Uint8Array) => void warnings.push(String(data)) };
}

function storeDir(): string {
  return join(tempHome("store"), "secretstore");
}

async function openStore(directory: string, runtime: Runtime = nodeRuntime): Promise<SecretStore> {
  return await SecretStore.open({ runtime, directory, kdf: CHEAP });
}

async function newStore(options: { config?: Partial<StoreConfig>; runtime?: Runtime } = {}) {
  const directory = storeDir();
  const store = await openStore(directory, options.runtime);
  await store.create({ password: PASSWORD, config: options.config });
  return {
    store,
    directory,
    log: join(directory, FILE_NAMES.log),
    header: join(directory, FILE_NAMES.header),
    key: join(directory, FILE_NAMES.key),
  };
}

/**
 * The key buffers an unlocked store holds, seen from outside: the keys whose name hash a lookup of a
 * name not looked up before computes (a spy on the keys module; the engine has no test hooks).
 */
async function heldKeyBuffers(store: SecretStore): Promise<Uint8Array[]> {
  const nameHash = vi.spyOn(StoreKeys.prototype, "nameHash");
  try {
    await store.get(`probe-${Math.random().toString(36).slice(2)}`);
    expect(nameHash).toHaveBeenCalledTimes(1);
    const keys = nameHash.mock.contexts[0] as StoreKeys;
    return [keys.dataKey, keys.recordKey, keys.headerKey];
  } finally {
    nameHash.mockRestore();
  }
}

async function code(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === "function" ? promise() : promise);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** Offsets of each frame in a log file. */
function frameOffsets(log: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = LOG_PREFIX_LENGTH; at < log.length; at += FRAME_HEADER_LENGTH + readU32(log, at)) offsets.push(at);
  return offsets;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SecretStore basics", () => {
  it("creates 0700/0600 files, round-trips every type with metadata, and reopens with the password", async () => {
    const { store, directory, log, header } = await newStore();
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(header).mode & 0o777).toBe(0o600);
    await store.set("Db", "s3cret", { env: "prod", n: 3, on: true, at: new Date(0) });
    await store.set("bytes", Uint8Array.from([0, 1, 255]));
    await store.set("cred", { username: "u", password: "p" });
    await store.set("map", { a: "x", b: Uint8Array.from([9]), c: { username: "u", password: "p" } });
    const other = await openStore(directory);
    expect(other.isLocked()).toBe(true);
    expect(other.storeId).toBe(store.storeId);
    await expect(other.get("db")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    await other.unlock(PASSWORD);
    expect(await other.get("DB")).toBe("s3cret");
    expect(await other.get("bytes")).toEqual(Uint8Array.from([0, 1, 255]));
    expect(await other.get("map")).toEqual({ a: "x", b: Uint8Array.from([9]), c: { username: "u", password: "p" } });
    expect(await other.list("d*")).toEqual([
      { name: "Db", type: "string", metadata: { env: "prod", n: 3, on: true, at: new Date(0) } },
    ]);
    const bytes = readFileSync(log);
    for (const clear of ["s3cret", "Db", "prod", "cred"]) expect(bytes.includes(Buffer.from(clear))).toBe(false);
  });

  it("refuses bad calls with their codes", async () => {
    const { store, directory } = await newStore();
    expect(await code(store.create({ password: "x" }))).toBe("VAULT_EXISTS");
    expect(await code((await openStore(storeDir())).create({}))).toBe("PASSWORD_REQUIRED");
    expect(await code(store.reset({ force: false, password: "x" }))).toBe("INVALID_ARGUMENT");
    expect(await code(store.setConfig({ passwordTimeout: -2 }))).toBe("INVALID_ARGUMENT");
    expect(await code(store.setConfig({ interaction: "never" as "none" }))).toBe("INVALID_ARGUMENT");
    expect(await code(store.remove("missing"))).toBe("SECRET_NOT_FOUND");
    expect(await code(store.setMetadata("missing", {}))).toBe("SECRET_NOT_FOUND");
    await store.set("a", "1");
    expect(await code(store.set("A", "2", undefined, { noClobber: true }))).toBe("SECRET_EXISTS");
    expect(await store.get("a")).toBe("1");
    expect(await code(SecretStore.open({ runtime: nodeRuntime, directory, kdf: { ...CHEAP, iterations: 1 } })))
      .toBe("INVALID_ARGUMENT");
    expect(await code(SecretStore.open({ runtime: nodeRuntime, directory, kdf: { ...CHEAP, memoryKiB: 1024 } })))
      .toBe("INVALID_ARGUMENT");
    expect(await code(async () => (await openStore(storeDir())).storeId)).toBe("VAULT_UNAVAILABLE");
  });

  it("keeps metadata when a value is replaced without metadata, and replaces it with setMetadata", async () => {
    const { store } = await newStore();
    await store.set("x", "1", { owner: "ops" });
    await store.set("x", "2");
    expect(await store.list("x")).toEqual([{ name: "x", type: "string", metadata: { owner: "ops" } }]);
    await store.setMetadata("X", { owner: "dev" });
    expect(await store.get("x")).toBe("2");
    expect((await store.list("*"))[0]!.metadata).toEqual({ owner: "dev" });
    await store.remove("x");
    expect(await store.get("x")).toBeUndefined();
  });
});

describe("passwords and keys", () => {
  it("a wrong password is WRONG_PASSWORD and leaves every file byte as it was", async () => {
    const { store, directory, log, header } = await newStore();
    await store.set("a", "1");
    const before = [readFileSync(header), readFileSync(log)];
    const other = await openStore(directory);
    expect(await code(other.unlock("not the password"))).toBe("WRONG_PASSWORD");
    expect(await code(other.changePassword("not the password", "new"))).toBe("WRONG_PASSWORD");
    expect(other.isLocked()).toBe(true);
    expect([readFileSync(header), readFileSync(log)]).toEqual(before);
  });

  it("a locked store with interaction none is PASSWORD_REQUIRED through the vault, and env or unlock opens it", async () => {
    const home = tempHome("store-vault");
    const path = join(home, "locked");
    const creator = await openStore(path);
    await creator.create({ password: PASSWORD, config: { interaction: "none" } });
    await creator.set("db", "v");
    delete process.env.SECRETSTORE_PASSWORD;
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    await sm.registerVault("vault", "secretstore", { parameters: { path } });
    await expect(sm.getSecret("db", { vault: "vault" })).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    await expect(sm.unlockVault("vault", "wrong")).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
    await sm.unlockVault("vault", PASSWORD);
    expect(await sm.getSecret("db", { vault: "vault" })).toBe("v");
  });

  it("changePassword rewraps the data key only: records are not rewritten and stay readable", async () => {
    const { store, directory, log, header } = await newStore();
    await store.set("a", "1");
    await store.set("b", Uint8Array.from([1, 2]));
    const logBefore = readFileSync(log);
    const headerBefore = readFileSync(header);
    const id = store.storeId;
    await store.changePassword(PASSWORD, "new password");
    expect(readFileSync(log)).toEqual(logBefore);
    expect(readFileSync(header)).not.toEqual(headerBefore);
    expect(store.storeId).toBe(id);
    const other = await openStore(directory);
    expect(await code(other.unlock(PASSWORD))).toBe("WRONG_PASSWORD");
    await other.unlock("new password");
    expect(await other.get("a")).toBe("1");
    expect(await other.get("b")).toEqual(Uint8Array.from([1, 2]));
  });

  it("switching to no password writes a 0600 key file, and back removes it, without rewriting records", async () => {
    const { store, directory, log, key } = await newStore();
    await store.set("a", "1");
    const logBefore = readFileSync(log);
    await store.setConfig({ authentication: "none" });
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(log)).toEqual(logBefore);
    const free = await openStore(directory);
    expect(free.isLocked()).toBe(false);
    expect(await free.get("a")).toBe("1");
    expect(await code(store.setConfig({ authentication: "password" }))).toBe("PASSWORD_REQUIRED");
    await store.setConfig({ authentication: "password" }, { password: "again" });
    expect(existsSync(key)).toBe(false);
    expect(readFileSync(log)).toEqual(logBefore);
    const locked = await openStore(directory);
    expect(locked.isLocked()).toBe(true);
    await locked.unlock("again");
    expect(await locked.get("a")).toBe("1");
    expect(locked.config).toEqual({ authentication: "password", passwordTimeout: 900, interaction: "prompt" });
  });

  it("config changes made by another instance are seen; setConfig on a locked store needs the password", async () => {
    const { store, directory } = await newStore();
    const other = await openStore(directory);
    expect(await code(other.setConfig({ interaction: "none" }))).toBe("PASSWORD_REQUIRED");
    await other.setConfig({ interaction: "none", passwordTimeout: 60 }, { password: PASSWORD });
    expect(store.config).toEqual({ authentication: "password", passwordTimeout: 60, interaction: "none" });
  });

  it("exports the data key for the agent and unlocks with it; a foreign key is WRONG_PASSWORD", async () => {
    const { store, directory } = await newStore();
    await store.set("a", "1");
    const key = store.exportDataKey();
    const other = await openStore(directory);
    expect(await code(() => other.exportDataKey())).toBe("PASSWORD_REQUIRED");
    expect(await code(() => other.unlockWithDataKey(new Uint8Array(32)))).toBe("WRONG_PASSWORD");
    expect(await code(() => other.unlockWithDataKey(new Uint8Array(5)))).toBe("WRONG_PASSWORD");
    other.unlockWithDataKey(key);
    key.fill(0); // the caller zeroes its copy; the store holds its own
    expect(await other.get("a")).toBe("1");
  });

  it("the engine module exports its API and nothing for tests (no hooks into its internals)", async () => {
    const engine = await import("../core/store/secret-store.ts");
    expect(Object.keys(engine).sort()).toEqual(["FILE_NAMES", "MAX_PASSWORD_TIMEOUT", "PENDING_HEADER", "SecretStore"]);
    expect(Object.getOwnPropertyNames(SecretStore).sort()).toEqual(["length", "name", "open", "prototype"]);
  });

  it("lock() zeroes the key buffers the store held", async () => {
    const { store } = await newStore();
    const held = await heldKeyBuffers(store);
    expect(held).toHaveLength(3);
    for (const buffer of held) expect(buffer.some((b) => b !== 0)).toBe(true);
    store.lock();
    for (const buffer of held) expect(buffer.every((b) => b === 0)).toBe(true);
    expect(store.isLocked()).toBe(true);
    await expect(store.get("a")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
  });

  it("timeout 0 is single use, a positive timeout expires (zeroing the key), -1 lasts", async () => {
    const { store, directory } = await newStore();
    await store.set("a", "1");
    const once = await openStore(directory);
    await once.unlock(PASSWORD, { timeout: 0 });
    expect(await once.get("a")).toBe("1");
    expect(once.isLocked()).toBe(true);
    await expect(once.get("a")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });

    vi.useFakeTimers({ toFake: ["Date"] });
    const timed = await openStore(directory);
    await timed.unlock(PASSWORD, { timeout: 30 });
    const held = await heldKeyBuffers(timed);
    vi.setSystemTime(Date.now() + 29_000);
    expect(await timed.get("a")).toBe("1");
    vi.setSystemTime(Date.now() + 2_000);
    expect(timed.isLocked()).toBe(true);
    for (const buffer of held) expect(buffer.every((b) => b === 0)).toBe(true);
    await expect(timed.get("a")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });

    const forever = await openStore(directory);
    await forever.unlock(PASSWORD, { timeout: -1 });
    vi.setSystemTime(Date.now() + 10 * 365 * 86_400_000);
    expect(await forever.get("a")).toBe("1");

    const byConfig = await openStore(directory);
    await store.setConfig({ passwordTimeout: 5 }, { password: PASSWORD });
    await byConfig.unlock(PASSWORD);
    vi.setSystemTime(Date.now() + 6_000);
    expect(byConfig.isLocked()).toBe(true);
  });

  it("reset needs force, empties the store under a new id, and other instances drop the old key", async () => {
    const { store, directory } = await newStore();
    await store.set("a", "1");
    const other = await openStore(directory);
    await other.unlock(PASSWORD);
    const oldId = store.storeId;
    await store.reset({ force: true, password: "fresh" });
    expect(store.storeId).not.toBe(oldId);
    expect(await store.list("*")).toEqual([]);
    await expect(other.get("a")).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    await other.unlock("fresh");
    expect(await other.get("a")).toBeUndefined();
  });
});

describe("tampering and torn writes", () => {
  async function smallStore() {
    const made = await newStore();
    await made.store.set("first", "value one", { tag: "x" });
    await made.store.set("second", Uint8Array.from([7, 7, 7]));
    await made.store.set("third", { username: "u", password: "p" });
    return { ...made, dataKey: made.store.exportDataKey() };
  }

  /** Opens a copy of `directory` with `change` applied to one of its files. */
  function tamperedCopy(directory: string, file: string, change: (bytes: Uint8Array) => Uint8Array): string {
    const copy = storeDir();
    cpSync(directory, copy, { recursive: true });
    writeFileSync(join(copy, file), change(new Uint8Array(readFileSync(join(copy, file)))));
    return copy;
  }

  const EXPECTED: Record<string, unknown> = {
    first: "value one",
    second: Uint8Array.from([7, 7, 7]),
    third: { username: "u", password: "p" },
  };

  /** Every read either returns the true value or fails with STORE_CORRUPT; returns whether one failed. */
  async function readAll(store: SecretStore): Promise<boolean> {
    let failed = false;
    for (const [name, value] of Object.entries(EXPECTED)) {
      try {
        const got = await store.get(name);
        expect(got).toEqual(value);
      } catch (error) {
        expect((error as { code?: string }).code).toBe("STORE_CORRUPT");
        failed = true;
      }
    }
    try {
      expect((await store.list("*")).map((info) => info.name).sort()).toEqual(Object.keys(EXPECTED));
    } catch (error) {
      expect((error as { code?: string }).code).toBe("STORE_CORRUPT");
      failed = true;
    }
    return failed;
  }

  it("a flipped byte anywhere in the log is STORE_CORRUPT, never a wrong value", async () => {
    const { directory, dataKey } = await smallStore();
    const size = statSync(join(directory, FILE_NAMES.log)).size;
    for (let offset = 0; offset < size; offset++) {
      const copy = tamperedCopy(directory, FILE_NAMES.log, (bytes) => (bytes[offset]! ^= 0x01, bytes));
      const store = await openStore(copy);
      let failed: boolean;
      try {
        store.unlockWithDataKey(dataKey);
        failed = await readAll(store);
      } catch (error) {
        expect((error as { code?: string }).code, `offset ${offset}`).toBe("STORE_CORRUPT");
        failed = true;
      }
      expect(failed, `flip at log offset ${offset} went unnoticed`).toBe(true);
    }
  });

  it("a flipped byte anywhere in the header is refused (STORE_CORRUPT or WRONG_PASSWORD)", async () => {
    const { directory, dataKey } = await smallStore();
    for (let offset = 0; offset < 168; offset++) {
      const copy = tamperedCopy(directory, FILE_NAMES.header, (bytes) => (bytes[offset]! ^= 0x01, bytes));
      const store = await openStore(copy);
      expect(["STORE_CORRUPT", "WRONG_PASSWORD"], `header offset ${offset}`).toContain(
        await code(() => store.unlockWithDataKey(dataKey)),
      );
      // The password path too, for the bytes the KDF and the key unwrap read (a sample keeps it quick).
      if (offset % 6 === 0) {
        expect(["STORE_CORRUPT", "WRONG_PASSWORD"], `header offset ${offset}`).toContain(await code(store.unlock(PASSWORD)));
      }
    }
  });

  it("KDF parameters outside the bounds in a header are refused before the KDF runs", async () => {
    const { directory } = await smallStore();
    const cases: [number, number][] = [[36, 0xffffffff], [36, 1024], [40, 1], [40, 1000], [44, 0], [44, 64]];
    for (const [offset, value] of cases) {
      const copy = tamperedCopy(directory, FILE_NAMES.header, (bytes) => (writeU32(bytes, offset, value), bytes));
      const store = await openStore(copy);
      // m = 4 GiB would not finish (or would not allocate) if the KDF ran.
      expect(await code(store.unlock(PASSWORD)), `offset ${offset} = ${value}`).toBe("STORE_CORRUPT");
    }
  });

  it("a log cut at every byte of its last record opens with all earlier records, and the next write drops the tail with a warning", async () => {
    const { directory, dataKey, log } = await smallStore();
    const bytes = new Uint8Array(readFileSync(log));
    const last = frameOffsets(bytes).at(-1)!;
    for (let cut = last; cut < bytes.length; cut++) {
      const copy = tamperedCopy(directory, FILE_NAMES.log, (all) => all.slice(0, cut));
      const runtime = capturingRuntime();
      const store = await openStore(copy, runtime);
      store.unlockWithDataKey(dataKey);
      expect(await store.get("first")).toBe("value one");
      expect(await store.get("second")).toEqual(Uint8Array.from([7, 7, 7]));
      expect(await store.get("third")).toBeUndefined();
      if (cut === last || cut % 7 !== 0) continue; // the append after a torn tail, on a sample of cuts
      await store.set("fourth", "after the crash");
      expect(runtime.warnings.join("")).toContain(`dropping ${cut - last} bytes`);
      const reopened = await openStore(copy);
      reopened.unlockWithDataKey(dataKey);
      expect(await reopened.get("fourth")).toBe("after the crash");
      expect(await reopened.get("second")).toEqual(Uint8Array.from([7, 7, 7]));
    }
  });

  it("a zero-filled tail (a file extended but never written) is dropped like a torn one", async () => {
    const { directory, dataKey } = await smallStore();
    const copy = tamperedCopy(directory, FILE_NAMES.log, (all) => new Uint8Array([...all, ...new Uint8Array(100)]));
    const store = await openStore(copy);
    store.unlockWithDataKey(dataKey);
    expect(await store.get("third")).toEqual({ username: "u", password: "p" });
  });

  it("swapped, duplicated, removed or replayed records are detected", async () => {
    const { directory, dataKey, log } = await smallStore();
    const bytes = new Uint8Array(readFileSync(log));
    const [a, b, c] = frameOffsets(bytes) as [number, number, number];
    const frameA = bytes.slice(a, b);
    const frameB = bytes.slice(b, c);
    const frameC = bytes.slice(c);
    const prefix = bytes.slice(0, a);
    const variants: Record<string, Uint8Array> = {
      swapped: new Uint8Array([...prefix, ...frameA, ...frameC, ...frameB]),
      duplicated: new Uint8Array([...bytes, ...frameB]),
      removed: new Uint8Array([...prefix, ...frameA, ...frameC]),
    };
    for (const [label, variant] of Object.entries(variants)) {
      const copy = tamperedCopy(directory, FILE_NAMES.log, () => variant);
      const store = await openStore(copy);
      expect(await code(() => store.unlockWithDataKey(dataKey)), label).toBe("STORE_CORRUPT");
    }
    // A replay whose sequence number and checksum were fixed up still fails: the AEAD binds its position.
    const replay = frameB.slice();
    writeU64(replay, 8, 4);
    writeU32(replay, 56, crc32(replay, 0, 56));
    const copy = tamperedCopy(directory, FILE_NAMES.log, () => new Uint8Array([...bytes, ...replay]));
    const store = await openStore(copy);
    store.unlockWithDataKey(dataKey);
    expect(await code(store.get("second"))).toBe("STORE_CORRUPT");
    // A put turned into a delete (checksum fixed up) would hide a secret: deletes are authenticated at load.
    const hidden = bytes.slice();
    hidden[b + 4] = 2;
    writeU32(hidden, b + 56, crc32(hidden, b, b + 56));
    const forged = await openStore(tamperedCopy(directory, FILE_NAMES.log, () => hidden));
    expect(await code(() => forged.unlockWithDataKey(dataKey))).toBe("STORE_CORRUPT");
  });

  it("an unreadable store file is PERMISSION_DENIED, checked as an unprivileged user", () => {
    const directory = storeDir();
    mkdirSync(directory, { recursive: true, mode: 0o755 });
    chmodSync(join(directory, ".."), 0o755);
    writeFileSync(join(directory, FILE_NAMES.header), new Uint8Array(168), { mode: 0o600 });
    // The checkout may sit where nobody cannot read (CI clones anywhere): give the reader its own copy
    // of the build and the packages core needs, in a world-readable directory.
    const reader = tempHome("store-nobody");
    chmodSync(reader, 0o755);
    cpSync(DIST, join(reader, "dist"), { recursive: true });
    for (const pkg of ["@noble/ciphers", "@noble/hashes", "hash-wasm"]) {
      cpSync(join(ROOT, "node_modules", pkg), join(reader, "node_modules", pkg), { recursive: true, dereference: true });
    }
    writeFileSync(join(reader, "package.json"), JSON.stringify({ type: "module" }));
    const script = join(reader, "read.mjs");
    writeFileSync(
      script,
      `import { SecretStore, detectRuntime } from "./dist/mod.js";
const store = await SecretStore.open({ runtime: await detectRuntime(), directory: ${JSON.stringify(directory)} });
try { store.exists(); console.log("read"); } catch (error) { console.log(error.code, error.message); }\n`,
    );
    execFileSync("chmod", ["-R", "a+rX", reader]);
    // Tests run as root in CI, where permission bits do not stop reads: run the reader as nobody.
    const asNobody = (command: string, args: string[]) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", command, ...args], { encoding: "utf8" });
    const precondition = asNobody("test", ["-r", script]);
    expect(precondition.status, "setpriv must exist and user nobody must reach the temp dir for this test").toBe(0);
    const run = asNobody(process.execPath, [script]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^PERMISSION_DENIED .*store\.header/);
  });

  it("a directory where the header should be is a clear error, not an empty store", async () => {
    const directory = storeDir();
    mkdirSync(join(directory, FILE_NAMES.header), { recursive: true });
    const store = await openStore(directory);
    expect(await code(() => store.exists())).toBe("STORE_CORRUPT");
  });
});

describe("concurrency and compaction", () => {
  it("two instances in one process see each other's writes: no stale read, no lost update", async () => {
    const { store: a, directory } = await newStore();
    const b = await openStore(directory);
    await b.unlock(PASSWORD);
    await a.set("shared", "from a");
    expect(await b.get("shared")).toBe("from a");
    await b.set("shared", "from b");
    expect(await a.get("shared")).toBe("from b");
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).set(`n${i}`, `v${i}`)),
    );
    for (const store of [a, b]) {
      const names = (await store.list("n*")).map((info) => info.name);
      expect(names.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`).sort());
    }
    await a.remove("shared");
    expect(await b.get("shared")).toBeUndefined();
  });

  it("compaction keeps the live records, shrinks the file and is picked up by other instances", async () => {
    const { store, directory, log } = await newStore();
    const other = await openStore(directory);
    await other.unlock(PASSWORD);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) await store.set(`k${i}`, `round ${round}`, { round });
    }
    await store.remove("k9");
    const before = statSync(log).size;
    const inode = statSync(log).ino;
    await store.compact();
    expect(statSync(log).size).toBeLessThan(before / 3);
    expect(statSync(log).ino).not.toBe(inode);
    expect(await other.get("k3")).toBe("round 4");
    expect(await other.get("k9")).toBeUndefined();
    await other.set("k0", "after");
    expect(await store.get("k0")).toBe("after");
    expect((await store.list("k1"))[0]!.metadata).toEqual({ round: 4 });
  });

  it("compacts by itself once garbage passes the threshold", async () => {
    const directory = storeDir();
    const store = await SecretStore.open({ runtime: nodeRuntime, directory, kdf: CHEAP, compactionThreshold: 2000 });
    await store.create({ password: PASSWORD });
    const log = join(directory, FILE_NAMES.log);
    for (let i = 0; i < 60; i++) await store.set("same", `value ${i}`);
    expect(statSync(log).size).toBeLessThan(4500);
    expect(await store.get("same")).toBe("value 59");
  });

  it("a Deno and a Bun process write, this Node process reads (and the other way round)", async () => {
    const { store, directory } = await newStore();
    await store.set("from-node", "n");
    const script = join(ROOT, "test/scenarios/store-writer.ts");
    for (const runtime of ["deno", "bun"] as const) {
      const run = runScript(runtime, script, [], { env: { STORE_PASSWORD: PASSWORD, STORE_DIR: directory } });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(await store.get(runtime)).toEqual({ runtime });
    }
  });
});

/** The node runtime with a terminal that answers prompts from a script, recording the questions. */
function scriptedRuntime(answers: string[]): Runtime & { asked: string[] } {
  const asked: string[] = [];
  return {
    ...nodeRuntime,
    asked,
    writeStderr: () => {},
    // A scripted terminal: the manager asks only where there is one to ask on.
    stdinIsTerminal: () => true,
    promptSecret: async (message: string) => {
      asked.push(message);
      const answer = answers.shift();
      if (answer === undefined) throw new Error("no scripted answer left");
      return answer;
    },
  };
}

describe("first use through SecretManagement", () => {
  it("asks for a new password twice, again on a mismatch, and gives up after three tries", async () => {
    delete process.env.SECRETSTORE_PASSWORD;
    const home = tempHome("store-prompt");
    const path = join(home, "store");
    const parameters = { path, kdf: CHEAP };
    const runtime = scriptedRuntime(["one", "two", "pw", "pw"]);
    const sm = await SecretManagement.open({ home, runtime });
    await sm.registerVault("v", "secretstore", { parameters });
    await sm.setSecret("db", "x", { vault: "v" });
    expect(runtime.asked).toHaveLength(4);
    const store = await openStore(path);
    await store.unlock("pw");
    expect(await store.get("db")).toBe("x");

    // A locked store with interaction "prompt" asks for its password; a wrong one is WRONG_PASSWORD.
    const asking = scriptedRuntime(["nope", "pw"]);
    const later = await SecretManagement.open({ home, runtime: asking });
    await expect(later.getSecret("db", { vault: "v" })).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
    expect(await later.getSecret("db", { vault: "v" })).toBe("x");
    expect(asking.asked).toHaveLength(2);

    const home2 = tempHome("store-prompt");
    const stubborn = scriptedRuntime(["a", "b", "c", "d", "", ""]);
    const refused = await SecretManagement.open({ home: home2, runtime: stubborn });
    await refused.registerVault("v", "secretstore", { parameters: { path: join(home2, "store"), kdf: CHEAP } });
    await expect(refused.setSecret("db", "x", { vault: "v" })).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    expect(existsSync(join(home2, "store", FILE_NAMES.header))).toBe(false);
  });


  it("setSecret with no vault registered creates and registers `local` as the default SecretStore", async () => {
    const home = tempHome("store-first");
    process.env.SECRETSTORE_PASSWORD = PASSWORD;
    try {
      const sm = await SecretManagement.open({ home });
      await sm.setSecret("db", "first value");
      expect(await sm.getVaults()).toMatchObject([{ name: "local", module: "secretstore", isDefault: true }]);
      expect(statSync(join(home, "secretstore", FILE_NAMES.header)).mode & 0o777).toBe(0o600);
      const store = await SecretStore.open({ runtime: nodeRuntime, directory: join(home, "secretstore") });
      await store.unlock(PASSWORD);
      expect(await store.get("db")).toBe("first value");
    } finally {
      delete process.env.SECRETSTORE_PASSWORD;
    }
  });
});

describe("docs/secretstore.md", () => {
  it("its example runs as written and prints the secret", () => {
    const markdown = readFileSync(join(ROOT, "docs/secretstore.md"), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(markdown)![1]!;
    const script = join(tempHome("store-readme"), "example.mjs");
    writeFileSync(script, example.replace('"secretmanagement"', JSON.stringify(join(DIST, "mod.js"))));
    const run = spawnSync(process.execPath, [script], {
      encoding: "utf8",
      env: { ...process.env, SECRETMANAGEMENT_HOME: tempHome("store-readme"), SECRETSTORE_PASSWORD: PASSWORD },
    });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("first value\n");
  });
});

