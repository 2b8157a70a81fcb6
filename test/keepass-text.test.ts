/**
 * keepass: text and bytes round-trip exactly, both ways with KeePassXC (issue 16 items 1, 4, 5).
 *
 * - Text XML 1.0 cannot carry (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF) would make
 *   KeePassXC refuse the whole file: a username holding it is stored protected and round-trips;
 *   names, map keys and metadata holding it are INVALID_ARGUMENT naming the field. Lone surrogates
 *   (no UTF-8 can hold them) are INVALID_ARGUMENT everywhere.
 * - Tabs, carriage returns and a leading U+FEFF survive, in fields written here and in KeePassXC.
 * - Empty bytes (a value or a map item) survive in KDBX 3.1 and 4.
 * Every file written here is opened by `keepassxc-cli ls -R` and `export` afterwards (kdbxFiles).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement, type SecretValue } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";
import { createKdbx3, createKdbx4, kdbxFiles, kxcAdd, kxcAttachment, kxcShow, PASSWORD } from "./helpers/keepassxc.ts";

const files = kdbxFiles();

async function openVault(path: string) {
  const sm = await SecretManagement.open({ home: tempHome("keepass-text"), onVaultError: () => {} });
  await sm.registerVault("kp", "keepass", { parameters: { path } });
  await sm.unlockVault("kp", PASSWORD);
  return sm;
}

const FORMATS = [
  ["KDBX 3.1 made by keepassxc-cli", (path: string) => Promise.resolve(createKdbx3(path))],
  ["KDBX 4", (path: string) => createKdbx4(path, "Argon2id")],
] as const;

/** Every character XML 1.0 cannot carry. */
const NOT_XML = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)).filter((c) => !"\t\n\r".includes(c)),
  "\uFFFE",
  "\uFFFF",
];

describe("keepass: text XML cannot carry (item 1)", () => {
  it("a username with ESC and every other such character round-trips (stored protected), and KeePassXC reads it", async () => {
    const path = join(files.dir("keepass-ctl"), "ctl.kdbx");
    await createKdbx4(path, "Argon2id");
    const sm = await openVault(path);
    await sm.setSecret("db", { username: "ops\u001bx", password: "p" }, { vault: "kp" });
    expect(await sm.getSecret("db", { vault: "kp" })).toEqual({ username: "ops\u001bx", password: "p" });
    expect(kxcShow(path, "db", "UserName")).toBe("ops\u001bx");
    const every = `u${NOT_XML.join("")}v`;
    await sm.setSecret("all", { username: every, password: every }, { vault: "kp" });
    expect(await sm.getSecret("all", { vault: "kp" })).toEqual({ username: every, password: every });
    // A later plain username is stored plain again.
    await sm.setSecret("db", { username: "ops", password: "p" }, { vault: "kp" });
    expect(kxcShow(path, "db", "UserName")).toBe("ops");
  });

  it("names, map keys and metadata with such a character are INVALID_ARGUMENT naming the field, and nothing is written", async () => {
    const path = join(files.dir("keepass-ctl-refused"), "refused.kdbx");
    await createKdbx4(path, "Argon2id");
    const sm = await openVault(path);
    for (const bad of NOT_XML) {
      const attempts: [() => Promise<void>, RegExp][] = [
        [() => sm.setSecret(`n${bad}`, "v", { vault: "kp" }), /secret name/], // core refuses C0 controls in names first
        [() => sm.setSecret("m", { [`k${bad}`]: "v" }, { vault: "kp" }), /map key/],
        [() => sm.setSecret("x", "v", { vault: "kp", metadata: { notes: `a${bad}` } }), /metadata "notes"/],
        [() => sm.setSecret("x", "v", { vault: "kp", metadata: { url: `a${bad}` } }), /metadata "url"/],
        [() => sm.setSecret("x", "v", { vault: "kp", metadata: { tags: `a${bad}` } }), /metadata "tags"/],
        [() => sm.setSecret("x", "v", { vault: "kp", metadata: { owner: `a${bad}` } }), /metadata "owner"/],
        [() => sm.setSecret("x", "v", { vault: "kp", metadata: { [`k${bad}`]: "a" } }), /metadata key/],
      ];
      for (const [attempt, field] of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
        expect((error as Error).message).toMatch(field);
      }
    }
    expect(await sm.getSecretInfo("*", { vault: "kp" })).toEqual([]);
  });

  it("lone surrogates are INVALID_ARGUMENT in values too (UTF-8 cannot hold them), never silently replaced", async () => {
    const path = join(files.dir("keepass-surrogate"), "s.kdbx");
    await createKdbx4(path, "Argon2id");
    const sm = await openVault(path);
    for (const lone of ["\uD800", "\uDFFF", "a\uDC00b"]) {
      const values: SecretValue[] = [lone, { username: lone, password: "p" }, { username: "u", password: lone }, { item: lone }];
      for (const value of values) {
        await expect(sm.setSecret("s", value, { vault: "kp" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      await expect(sm.setSecret("s", "v", { vault: "kp", metadata: { notes: lone } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    await sm.setSecret("pair", "😀 \u{10FFFF}", { vault: "kp" });
    expect(await sm.getSecret("pair", { vault: "kp" })).toBe("😀 \u{10FFFF}");
  });
});

describe("keepass: tabs, carriage returns and U+FEFF round-trip (item 4)", () => {
  const TEXT = "\uFEFFa\tb\r\nc\rd\t";

  for (const [format, create] of FORMATS) {
    it(`written here, read here and by keepassxc-cli (${format})`, async () => {
      const path = join(files.dir("keepass-ws"), "ws.kdbx");
      await create(path);
      const sm = await openVault(path);
      const metadata = { notes: TEXT, url: TEXT, owner: TEXT };
      await sm.setSecret("cred", { username: TEXT, password: TEXT }, { vault: "kp", metadata });
      await sm.setSecret("str", TEXT, { vault: "kp" });
      await sm.setSecret("map", { item: TEXT }, { vault: "kp" });
      for (const sm2 of [sm, await openVault(path)]) {
        expect(await sm2.getSecret("cred", { vault: "kp" })).toEqual({ username: TEXT, password: TEXT });
        expect(await sm2.getSecret("str", { vault: "kp" })).toBe(TEXT);
        expect(await sm2.getSecret("map", { vault: "kp" })).toEqual({ item: TEXT });
        expect((await sm2.getSecretInfo("cred", { vault: "kp" }))[0]!.metadata).toEqual(metadata);
      }
      for (const attribute of ["UserName", "Notes", "URL", "meta.owner"]) {
        expect(kxcShow(path, "cred", attribute)).toBe(TEXT);
      }
      // KeePassXC itself drops a leading U+FEFF when it decrypts a protected field; the rest is exact.
      expect(kxcShow(path, "cred", "Password")).toBe(TEXT.slice(1));
      expect(kxcShow(path, "map", "item")).toBe(TEXT.slice(1));
    });

    it(`written by keepassxc-cli, read here (${format})`, async () => {
      const path = join(files.dir("keepass-ws-kxc"), "kxc.kdbx");
      await create(path);
      // keepassxc-cli drops a leading U+FEFF from what it is given, so only tabs are tested this way.
      kxcAdd(path, "tabbed", "p\tw", ["-u", "u\tser", "--notes", "a\tb\nc", "--url", "\tx"]);
      const sm = await openVault(path);
      expect(kxcShow(path, "tabbed", "Notes")).toBe("a\tb\nc");
      expect(await sm.getSecret("tabbed", { vault: "kp" })).toEqual({ username: "u\tser", password: "p\tw" });
      expect((await sm.getSecretInfo("tabbed", { vault: "kp" }))[0]!.metadata).toEqual({ notes: "a\tb\nc", url: "\tx" });
    });
  }
});

describe("keepass: empty bytes (item 5)", () => {
  for (const [format, create] of FORMATS) {
    it(`an empty bytes value and an empty bytes map item round-trip (${format})`, async () => {
      const path = join(files.dir("keepass-empty"), "empty.kdbx");
      await create(path);
      const sm = await openVault(path);
      await sm.setSecret("e", new Uint8Array(0), { vault: "kp" });
      await sm.setSecret("m", { bytes: new Uint8Array(0), s: "" }, { vault: "kp" });
      for (const sm2 of [sm, await openVault(path)]) {
        expect(await sm2.getSecret("e", { vault: "kp" })).toEqual(new Uint8Array(0));
        expect(await sm2.getSecret("m", { vault: "kp" })).toEqual({ bytes: new Uint8Array(0), s: "" });
        expect((await sm2.getSecretInfo("e", { vault: "kp" }))[0]!.type).toBe("bytes");
      }
      expect(kxcAttachment(path, "e", "value.bin")).toEqual(new Uint8Array(0));
      expect(kxcAttachment(path, "m", "bytes")).toEqual(new Uint8Array(0));
    });
  }
});
