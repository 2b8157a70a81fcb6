/**
 * keepass: hostile files, key files and parameters (issue 16 items 3 and 15). Hostile headers are
 * crafted as the Argon2 bound test in keepass.test.ts does: change one header value, then fix the
 * header's SHA-256 (KDBX 4) so that only our bound can refuse the file.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { inflatedLimit, loadKdbxweb, MAX_AES_KDF_ROUNDS } from "../extensions/keepass/kdbxweb.ts";
import { tempHome } from "./helpers/home.ts";
import { createKdbx3, createKdbx4, kdbxFiles, kxcAdd, kxcShow, PASSWORD } from "./helpers/keepassxc.ts";

const files = kdbxFiles();

/** A manager with a keepass vault "kp" (not unlocked). */
async function registerVault(parameters: Record<string, string>) {
  const home = tempHome("keepass-hostile");
  const sm = await SecretManagement.open({ home, onVaultError: () => {} });
  await sm.registerVault("kp", "keepass", { parameters });
  return { sm, home };
}

/** Ends of the KDBX 4 header fields (type byte, 4-byte length); the header SHA-256 follows the end field. */
function fixKdbx4HeaderHash(file: Buffer): void {
  let end = 12;
  for (;;) {
    const type = file[end]!;
    end += 5 + file.readInt32LE(end + 1);
    if (type === 0) break;
  }
  createHash("sha256").update(file.subarray(0, end)).digest().copy(file, end);
}

describe("keepass: AES-KDF rounds are bounded (item 15)", () => {
  it(`a KDBX 3.1 file asking for more than ${MAX_AES_KDF_ROUNDS} rounds is STORE_CORRUPT before any work`, async () => {
    const path = join(files.dir("keepass-aes3"), "aes3.kdbx");
    files.unreadable(path);
    createKdbx3(path);
    const file = readFileSync(path);
    // KDBX 3.1 header fields: type byte, 2-byte length; TransformRounds is type 6, 8 bytes.
    let at = 12;
    while (file[at] !== 6) at += 3 + file.readUInt16LE(at + 1);
    file.writeBigUInt64LE(10n ** 14n, at + 3);
    writeFileSync(path, file);
    const { sm } = await registerVault({ path });
    const refused = sm.unlockVault("kp", PASSWORD);
    await expect(refused).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    await expect(refused).rejects.toThrow(/AES-KDF with 100000000000000 rounds/);
    expect(readFileSync(path).equals(file)).toBe(true);
  });

  it("a KDBX 4 AES-KDF file asking for too many rounds is STORE_CORRUPT; one within the bound opens", async () => {
    const path = join(files.dir("keepass-aes4"), "aes4.kdbx");
    await createKdbx4(path, "Aes");
    const { sm } = await registerVault({ path });
    await sm.unlockVault("kp", PASSWORD);
    await sm.setSecret("fine", "within the bound", { vault: "kp" });
    expect(kxcShow(path, "fine", "Password")).toBe("within the bound");

    const hostile = join(files.dir("keepass-aes4-hostile"), "hostile.kdbx");
    files.unreadable(hostile);
    const file = readFileSync(path);
    // The KDF parameters: a VariantDictionary entry UInt64 (0x05) named "R", 8 bytes of value.
    const marker = Buffer.from([0x05, 0x01, 0x00, 0x00, 0x00, 0x52, 0x08, 0x00, 0x00, 0x00]);
    const at = file.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    file.writeBigUInt64LE(BigInt(MAX_AES_KDF_ROUNDS) + 1n, at + marker.length);
    fixKdbx4HeaderHash(file);
    writeFileSync(hostile, file);
    const other = await registerVault({ path: hostile });
    await expect(other.sm.unlockVault("kp", PASSWORD)).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });
});

describe("keepass: decompressed size is bounded (item 15)", () => {
  for (const version of [3, 4] as const) {
    it(`a small KDBX ${version === 3 ? "3.1" : "4"} file that inflates beyond ${inflatedLimit(0)} bytes is STORE_CORRUPT`, async () => {
      const path = join(files.dir("keepass-bomb"), "bomb.kdbx");
      files.unreadable(path);
      const kdbxweb = await loadKdbxweb();
      const credentials = new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD), null);
      const db = kdbxweb.Kdbx.create(credentials, "bomb");
      if (version === 3) db.setVersion(3);
      else db.setKdf(kdbxweb.Consts.KdfId.Aes);
      const entry = db.createEntry(db.getDefaultGroup());
      entry.fields.set("Title", "bomb");
      // One long plain field: cheaper to build than an attachment, which KDBX 3.1 writes as base64.
      entry.fields.set("Notes", "a".repeat(inflatedLimit(0) + 1024 * 1024));
      writeFileSync(path, new Uint8Array(await db.save()));
      expect(readFileSync(path).length).toBeLessThan(inflatedLimit(0) / 100);
      const { sm } = await registerVault({ path });
      const refused = sm.unlockVault("kp", PASSWORD);
      await expect(refused).rejects.toMatchObject({ code: "STORE_CORRUPT" });
      await expect(refused).rejects.toThrow(/decompressed content/);
    }, 60_000);
  }
});

describe("keepass: key files (item 15)", () => {
  it("a device or a named pipe is INVALID_ARGUMENT at once (not read forever, not waited on)", async () => {
    const dir = files.dir("keepass-keydev");
    const path = join(dir, "k.kdbx");
    await createKdbx4(path, "Argon2id");
    const fifo = join(dir, "fifo.key");
    execFileSync("mkfifo", [fifo]);
    for (const keyFile of ["/dev/zero", fifo]) {
      const { sm } = await registerVault({ path, keyFile });
      const refused = sm.unlockVault("kp", PASSWORD);
      await expect(refused).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(refused).rejects.toThrow(/not a regular file/);
    }
  });

  it("a large key file (hashed a chunk at a time) opens what keepassxc-cli made with it, both ways", async () => {
    const dir = files.dir("keepass-keybig");
    const path = join(dir, "k.kdbx");
    const keyFile = join(dir, "big.key");
    writeFileSync(keyFile, Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7919) % 251)));
    files.keyFile(path, keyFile);
    createKdbx3(path, keyFile);
    kxcAdd(path, "theirs", "from keepassxc", [], keyFile);
    const { sm } = await registerVault({ path, keyFile });
    await sm.unlockVault("kp", PASSWORD);
    expect(await sm.getSecret("theirs", { vault: "kp" })).toBe("from keepassxc");
    await sm.setSecret("ours", "from here", { vault: "kp" });
    expect(kxcShow(path, "ours", "Password", keyFile)).toBe("from here");
  });

  it("a .keyx whose hash does not match its data is WRONG_PASSWORD", async () => {
    const dir = files.dir("keepass-keyhash");
    const path = join(dir, "k.kdbx");
    const keyFile = join(dir, "k.keyx");
    files.keyFile(path, keyFile);
    createKdbx3(path, keyFile);
    const broken = join(dir, "broken.keyx");
    writeFileSync(broken, readFileSync(keyFile, "utf8").replace(/Hash="[0-9A-F]+"/, 'Hash="00000000"'));
    expect(readFileSync(broken, "utf8")).toContain('Hash="00000000"');
    const { sm } = await registerVault({ path, keyFile: broken });
    await expect(sm.unlockVault("kp", PASSWORD)).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
  });
});

describe("keepass: parameters (item 3)", () => {
  it("refuses a password parameter without echoing it and writes nothing to vaults.json", async () => {
    const home = tempHome("keepass-param-secret");
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    const path = join(home, "x.kdbx");
    for (const key of ["password", "masterPassword"]) {
      const error = await sm.registerVault("kp", "keepass", { parameters: { path, [key]: "hunter2-canary" } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((error as Error).message).toContain("passwordEnv");
      expect((error as Error).message).not.toContain("hunter2-canary");
    }
    expect(await sm.getVaults()).toEqual([]);
    let registry = "";
    try {
      registry = readFileSync(join(home, "vaults.json"), "utf8");
    } catch {
      // never written: fine
    }
    expect(registry).not.toContain("canary");
  });

  it("refuses unknown parameters listing the known ones", async () => {
    const home = tempHome("keepass-param-unknown");
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    const error = await sm.registerVault("kp", "keepass", { parameters: { path: join(home, "x.kdbx"), keyfile: "/k" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((error as Error).message).toContain("unknown parameter keyfile");
    expect((error as Error).message).toContain("known: path, keyFile, group, passwordEnv");
  });
});
