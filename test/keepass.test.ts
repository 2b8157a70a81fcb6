/**
 * keepass against KeePassXC: files written here are read by `keepassxc-cli`, files written by
 * `keepassxc-cli` are read here, in KDBX 3.1 (AES-KDF) and KDBX 4 (Argon2), with passwords and
 * key files; plus the conformance suite on a fresh KDBX 4 file.
 *
 * keepassxc-cli 2.7 `db-create` only makes KDBX 3.1 files with AES-KDF. For KDBX 4 the test starts
 * from an empty Argon2 file made with kdbxweb and lets keepassxc-cli add every entry, which makes
 * KeePassXC rewrite the whole file (header included) with its own KDBX 4 writer.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { BYTES_ALL, testVaultContract, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";
import { runSourceScenario } from "./helpers/source-scenario.ts";
import { runConsoleExamples } from "./helpers/console-examples.ts";
import {
  createKdbx3,
  createKdbx4,
  kdbxFiles,
  kdbxVersion,
  keepassxc,
  kxcAdd,
  kxcAttachment,
  kxcShow,
  PASSWORD,
} from "./helpers/keepassxc.ts";

const V1_KEY_FILE = fileURLToPath(new URL("./fixtures/keepass/v1.keyx", import.meta.url));
const files = kdbxFiles();

/** A manager with one keepass vault "kp", unlocked with `password` unless it is null. */
async function openVault(parameters: Record<string, string>, password: string | null = PASSWORD) {
  const sm = await SecretManagement.open({ home: tempHome("keepass"), onVaultError: () => {} });
  await sm.registerVault("kp", "keepass", { parameters });
  if (password !== null) await sm.unlockVault("kp", password);
  return sm;
}

beforeAll(() => {
  const version = execFileSync("keepassxc-cli", ["--version"]).toString().trim();
  expect(version).toMatch(/^2\./);
});

testVaultContract("keepass (KDBX 4 file)", async () => {
  const path = join(files.dir("keepass-contract"), "contract.kdbx");
  await createKdbx4(path, "Argon2id");
  return { module: "keepass", parameters: { path, passwordEnv: "KEEPASS_CONTRACT_PASSWORD" }, env: { KEEPASS_CONTRACT_PASSWORD: PASSWORD } };
});

describe("keepass: files written here open in keepassxc-cli", () => {
  let path: string;
  let sm: SecretManagement;

  beforeAll(async () => {
    path = join(files.dir("keepass-out"), "out.kdbx");
    await createKdbx4(path, "Argon2id");
    sm = await openVault({ path });
    await sm.setSecret("plain", UNICODE, { vault: "kp", metadata: { notes: "rotate monthly", url: "https://db.example", owner: "ops", rotations: 3 } });
    await sm.setSecret("login", { username: "alice", password: "pa ss\"word" }, { vault: "kp" });
    await sm.setSecret("blob", BYTES_ALL.slice(), { vault: "kp" });
    await sm.setSecret("conn", { host: "db.internal", admin: { username: "root", password: "r00t" }, cert: BYTES_ALL.slice(0, 16) }, { vault: "kp" });
  });

  it("keeps the file KDBX 4 with mode 0600, and leaves no lock or temp file next to it", () => {
    expect(kdbxVersion(path)).toEqual([4, 0]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(path))).toEqual(["out.kdbx"]);
  });

  it("string → Password with an empty UserName, metadata → Notes, URL and meta.* fields", () => {
    expect(kxcShow(path, "plain", "Password")).toBe(UNICODE);
    expect(kxcShow(path, "plain", "UserName")).toBe("");
    expect(kxcShow(path, "plain", "Notes")).toBe("rotate monthly");
    expect(kxcShow(path, "plain", "URL")).toBe("https://db.example");
    expect(kxcShow(path, "plain", "meta.owner")).toBe("ops");
    expect(kxcShow(path, "plain", "meta.rotations")).toBe("n:3");
  });

  it("credential → UserName and Password", () => {
    expect(kxcShow(path, "login", "UserName")).toBe("alice");
    expect(kxcShow(path, "login", "Password")).toBe('pa ss"word');
  });

  it("bytes → the attachment value.bin, all 256 byte values", () => {
    expect(kxcAttachment(path, "blob", "value.bin")).toEqual(BYTES_ALL);
  });

  it("map → custom fields and attachments", () => {
    expect(kxcShow(path, "conn", "host")).toBe("db.internal");
    expect(JSON.parse(kxcShow(path, "conn", "admin"))).toEqual({ username: "root", password: "r00t" });
    expect(kxcAttachment(path, "conn", "cert")).toEqual(BYTES_ALL.slice(0, 16));
  });

  it("removes into the recycle bin, which the vault does not list", async () => {
    await sm.setSecret("doomed", "bye", { vault: "kp" });
    await sm.removeSecret("doomed", { vault: "kp" });
    expect(kxcShow(path, "Recycle Bin/doomed", "Password")).toBe("bye");
    expect(await sm.getSecretInfo("doomed", { vault: "kp" })).toEqual([]);
    await expect(sm.getSecret("doomed", { vault: "kp" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });
});

describe("keepass: files written by keepassxc-cli are read here", () => {
  it("reads and writes KDBX 3.1 (AES-KDF) made by keepassxc-cli db-create, and it stays 3.1", async () => {
    const path = join(files.dir("keepass-kdbx3"), "kxc3.kdbx");
    createKdbx3(path);
    keepassxc(["mkdir", "-q", path, "Servers"], [PASSWORD]);
    kxcAdd(path, "Servers/db", "s3cret", ["-u", "dbadmin", "--url", "https://db", "--notes", "primary"]);
    kxcAdd(path, "api-token", "tok-123");
    expect(kdbxVersion(path)).toEqual([3, 1]);
    expect(keepassxc(["db-info", "-q", path], [PASSWORD])).toMatch(/KDF: AES/);

    const sm = await openVault({ path });
    expect(await sm.getSecret("db", { vault: "kp" })).toEqual({ username: "dbadmin", password: "s3cret" });
    expect(await sm.getSecret("Servers/db", { vault: "kp" })).toEqual({ username: "dbadmin", password: "s3cret" });
    expect(await sm.getSecret("api-token", { vault: "kp" })).toBe("tok-123");
    const infos = await sm.getSecretInfo("*", { vault: "kp" });
    expect(infos.map((info) => [info.name, info.type]).sort()).toEqual([["api-token", "string"], ["db", "credential"]]);
    expect(infos.find((info) => info.name === "db")!.metadata).toEqual({ url: "https://db", notes: "primary" });

    await sm.setSecret("Servers/new", "from-here", { vault: "kp" });
    await sm.setSecret("blob3", BYTES_ALL.slice(), { vault: "kp" });
    expect(kdbxVersion(path)).toEqual([3, 1]);
    expect(kxcShow(path, "Servers/new", "Password")).toBe("from-here");
    expect(kxcAttachment(path, "blob3", "value.bin")).toEqual(BYTES_ALL);
  });

  for (const kdf of ["Argon2d", "Argon2id"] as const) {
    it(`reads KDBX 4 (${kdf}) entries written by keepassxc-cli`, async () => {
      const path = join(files.dir("keepass-kdbx4"), "kxc4.kdbx");
      await createKdbx4(path, kdf);
      kxcAdd(path, "mail", "m41l ✓", ["-u", "bob@example.com"]);
      expect(kdbxVersion(path)).toEqual([4, 0]);
      expect(keepassxc(["db-info", "-q", path], [PASSWORD])).toMatch(new RegExp(`KDF: ${kdf}`));

      const sm = await openVault({ path });
      expect(await sm.getSecret("MAIL", { vault: "kp" })).toEqual({ username: "bob@example.com", password: "m41l ✓" });
    });
  }

  it("reloads a file changed by keepassxc-cli before writing, losing neither change", async () => {
    const path = join(files.dir("keepass-reload"), "shared.kdbx");
    await createKdbx4(path, "Argon2id");
    const sm = await openVault({ path });
    await sm.setSecret("ours-1", "a", { vault: "kp" });
    kxcAdd(path, "theirs", "b");
    await sm.setSecret("ours-2", "c", { vault: "kp" });
    expect(kxcShow(path, "theirs", "Password")).toBe("b");
    expect(kxcShow(path, "ours-1", "Password")).toBe("a");
    expect(await sm.getSecret("theirs", { vault: "kp" })).toBe("b");
    keepassxc(["edit", "-q", "-p", path, "ours-1"], [PASSWORD, "edited"]);
    expect(await sm.getSecret("ours-1", { vault: "kp" })).toBe("edited");
  });
});

describe("keepass: key files", () => {
  it("opens a KDBX 3.1 file protected by a v2 .keyx that keepassxc-cli generated", async () => {
    const dir = files.dir("keepass-key2");
    const path = join(dir, "k.kdbx");
    const keyFile = join(dir, "k.keyx");
    files.keyFile(path, keyFile);
    createKdbx3(path, keyFile);
    expect(readFileSync(keyFile, "utf8")).toMatch(/<Version>2\.0<\/Version>/);
    kxcAdd(path, "k", "with-key", [], keyFile);
    const sm = await openVault({ path, keyFile });
    expect(await sm.getSecret("k", { vault: "kp" })).toBe("with-key");
    await sm.setSecret("k2", "written-here", { vault: "kp" });
    expect(kxcShow(path, "k2", "Password", keyFile)).toBe("written-here");
  });

  it("writes with a v1 .keyx, and keepassxc-cli opens the file with the same key file", async () => {
    const path = join(files.dir("keepass-key1"), "k1.kdbx");
    files.keyFile(path, V1_KEY_FILE);
    await createKdbx4(path, "Argon2id", V1_KEY_FILE);
    const sm = await openVault({ path, keyFile: V1_KEY_FILE });
    await sm.setSecret("v1", "key-one", { vault: "kp" });
    expect(kxcShow(path, "v1", "Password", V1_KEY_FILE)).toBe("key-one");
  });

  it("refuses a wrong key file and a missing one", async () => {
    const path = join(files.dir("keepass-key-wrong"), "k.kdbx");
    files.keyFile(path, V1_KEY_FILE);
    await createKdbx4(path, "Argon2id", V1_KEY_FILE);
    const other = join(tempHome("keepass-other-key"), "other.keyx");
    writeFileSync(other, readFileSync(V1_KEY_FILE, "utf8").replace(/<Data>.*<\/Data>/, `<Data>${Buffer.alloc(32, 7).toString("base64")}</Data>`));
    await expect(openVault({ path, keyFile: other })).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
    await expect(openVault({ path })).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
    await expect(openVault({ path, keyFile: "/nonexistent/key.keyx" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("keepass: errors", () => {
  it("a wrong password is WRONG_PASSWORD, and the message does not contain it", async () => {
    const path = join(files.dir("keepass-wrong"), "w.kdbx");
    await createKdbx4(path, "Argon2id");
    const error = await openVault({ path }, "not the password").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "WRONG_PASSWORD" });
    expect(String((error as Error).message)).not.toContain("not the password");
  });

  it("a truncated file is STORE_CORRUPT and is left byte-identical", async () => {
    const path = join(files.dir("keepass-truncated"), "t.kdbx");
    files.unreadable(path);
    await createKdbx4(path, "Argon2id");
    kxcAdd(path, "x", "y");
    const full = readFileSync(path);
    for (const length of [full.length - 40, Math.floor(full.length / 2), 20]) {
      writeFileSync(path, full.subarray(0, length));
      const before = readFileSync(path);
      const sm = await SecretManagement.open({ home: tempHome("keepass"), onVaultError: () => {} });
      await sm.registerVault("kp", "keepass", { parameters: { path, passwordEnv: "KEEPASS_TEST_PASSWORD" } });
      process.env.KEEPASS_TEST_PASSWORD = PASSWORD;
      try {
        await expect(sm.getSecret("x", { vault: "kp" })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
        await expect(sm.setSecret("x", "overwrite?", { vault: "kp" })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
      } finally {
        delete process.env.KEEPASS_TEST_PASSWORD;
      }
      expect(readFileSync(path).equals(before)).toBe(true);
    }
  });

  it("a file asking for unbounded Argon2 work is STORE_CORRUPT at once, not a hang", async () => {
    const path = join(files.dir("keepass-kdf"), "k.kdbx");
    files.unreadable(path);
    await createKdbx4(path, "Argon2id");
    const file = readFileSync(path);
    // KDBX 4 KDF parameters: a VariantDictionary entry UInt64 (0x05) named "I", 8 bytes of value.
    const marker = Buffer.from([0x05, 0x01, 0x00, 0x00, 0x00, 0x49, 0x08, 0x00, 0x00, 0x00]);
    const at = file.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    file.writeBigUInt64LE(2n ** 40n, at + marker.length);
    // The header's SHA-256 follows its end field (type 0); fix it so only the KDF bound can refuse the file.
    let end = 12;
    for (;;) {
      const type = file[end]!;
      end += 5 + file.readInt32LE(end + 1);
      if (type === 0) break;
    }
    createHash("sha256").update(file.subarray(0, end)).digest().copy(file, end);
    writeFileSync(path, file);
    const sm = await openVault({ path }, null);
    const started = Date.now();
    const refused = sm.unlockVault("kp", PASSWORD);
    await expect(refused).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    await expect(refused).rejects.toThrow(/Argon2 with 1024 KiB × 1099511627776 iterations/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readFileSync(path).equals(file)).toBe(true);
  });

  it("duplicate titles are AMBIGUOUS_NAME naming both paths; the full path picks one", async () => {
    const path = join(files.dir("keepass-dup"), "d.kdbx");
    await createKdbx4(path, "Argon2id");
    keepassxc(["mkdir", "-q", path, "A"], [PASSWORD]);
    keepassxc(["mkdir", "-q", path, "B"], [PASSWORD]);
    kxcAdd(path, "A/token", "from-a");
    kxcAdd(path, "B/token", "from-b");
    const sm = await openVault({ path });
    const error = await sm.getSecret("token", { vault: "kp" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AMBIGUOUS_NAME" });
    expect((error as Error).message).toContain("A/token");
    expect((error as Error).message).toContain("B/token");
    await expect(sm.setSecret("token", "x", { vault: "kp" })).rejects.toMatchObject({ code: "AMBIGUOUS_NAME" });
    expect(await sm.getSecret("b/TOKEN", { vault: "kp" })).toBe("from-b");
    expect((await sm.getSecretInfo("*", { vault: "kp" })).map((info) => info.name).sort()).toEqual(["A/token", "B/token"]);
  });

  it("without unlock, passwordEnv or a terminal, a read is PASSWORD_REQUIRED", async () => {
    const path = join(files.dir("keepass-locked"), "l.kdbx");
    await createKdbx4(path, "Argon2id");
    const sm = await openVault({ path }, null);
    await expect(sm.getSecret("x", { vault: "kp" })).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
  });

  it("refuses bad parameters, reserved map keys and non-string notes", async () => {
    const home = files.dir("keepass-params");
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    await expect(sm.registerVault("a", "keepass", { parameters: {} })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.registerVault("b", "keepass", { parameters: { path: "relative.kdbx" } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const path = join(home, "p.kdbx");
    await createKdbx4(path, "Argon2id");
    const vault = await openVault({ path });
    await expect(vault.setSecret("m", { Password: "x" }, { vault: "kp" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(vault.setSecret("m", { "meta.x": "x" }, { vault: "kp" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(vault.setSecret("n", "x", { vault: "kp", metadata: { notes: 5 } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(await vault.getSecretInfo("*", { vault: "kp" })).toEqual([]);
  });
});

describe("keepass: a new file", () => {
  it("is created on the first write as KDBX 4 Argon2id, mode 0600, readable by keepassxc-cli", async () => {
    const dir = files.dir("keepass-new");
    chmodSync(dir, 0o700);
    const path = join(dir, "fresh.kdbx");
    const sm = await openVault({ path, group: "Apps/Secretmanagement" });
    expect(await sm.testVault("kp")).toBe(true);
    await sm.setSecret("first", "hello", { vault: "kp", metadata: { since: new Date("2030-01-02T03:04:05.000Z"), on: true } });
    expect(kdbxVersion(path)).toEqual([4, 0]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(keepassxc(["db-info", "-q", path], [PASSWORD])).toMatch(/KDF: Argon2id/);
    expect(kxcShow(path, "Apps/Secretmanagement/first", "Password")).toBe("hello");
    const [info] = await sm.getSecretInfo("first", { vault: "kp" });
    expect(info!.metadata).toEqual({ since: new Date("2030-01-02T03:04:05.000Z"), on: true });
  });
});

describe("keepass: two writers", () => {
  it("loses no update when two vault instances write the same file at once", async () => {
    const path = join(files.dir("keepass-two"), "two.kdbx");
    await createKdbx4(path, "Argon2id");
    const [a, b] = [await openVault({ path }), await openVault({ path })];
    await Promise.all([
      (async () => { for (let i = 0; i < 5; i++) await a.setSecret(`a${i}`, `A${i}`, { vault: "kp" }); })(),
      (async () => { for (let i = 0; i < 5; i++) await b.setSecret(`b${i}`, `B${i}`, { vault: "kp" }); })(),
    ]);
    const names = (await a.getSecretInfo("*", { vault: "kp" })).map((info) => info.name).sort();
    expect(names).toEqual(["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "b4"]);
    expect(kxcShow(path, "b4", "Password")).toBe("B4");
  });
});

describe("keepass on Deno and Bun (kdbxweb and hash-wasm from node_modules)", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`writes a file on ${runtime} that keepassxc-cli reads`, async () => {
      const path = join(files.dir(`keepass-${runtime}`), "rt.kdbx");
      await createKdbx4(path, "Argon2d");
      const result = runSourceScenario(runtime, `
        await sm.registerVault("kp", "keepass", { parameters: { path: ${JSON.stringify(path)}, passwordEnv: "KP_PW" } });
        await sm.setSecret("from-${runtime}", { username: "${runtime}", password: "pw ✓" }, { vault: "kp" });
        console.log(JSON.stringify(await sm.getSecret("FROM-${runtime}", { vault: "kp" })));
      `, { KP_PW: PASSWORD });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ username: runtime, password: "pw ✓" });
      expect(kxcShow(path, `from-${runtime}`, "UserName")).toBe(runtime);
    });
  }
});

describe("docs/keepass.md", () => {
  it("every console example prints what the page says, with keepassxc-cli", async () => {
    const { expected, actual } = await runConsoleExamples("docs/keepass.md");
    const here = actual.map((example) => ({ ...example, output: example.output.replace(/\/[^\s]*\/(?=team\.kdbx)/g, "/PWD/") }));
    expect(expected.length).toBeGreaterThan(8);
    expect(here).toEqual(expected);
  }, 120_000);
});
