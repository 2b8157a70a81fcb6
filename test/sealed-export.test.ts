/**
 * `secret store export --sealed <file> [--filter w] [--vault v]`: a sealed snapshot of a SecretStore
 * (every value type, with metadata) in a 0600 file, its key alone on stdout; a filter that matches
 * nothing and an existing file write nothing.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Credential, openSealedStore, SecretManagement } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";

const PASSWORD = "export-pass-7Kq";
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const MAP = { user: "app", blob: Uint8Array.from([0, 255]), login: Credential("svc", "pw-map") };
let home: string;

beforeAll(async () => {
  home = tempHome("export");
  const sm = await SecretManagement.open({ home });
  await sm.unlockVault("local", PASSWORD); // creates the default SecretStore
  await sm.setSecret("app/token", "tök-🔑", { metadata: { owner: "ops", rotated: new Date(0), n: 3, on: true } });
  await sm.setSecret("app/blob", ALL_BYTES);
  await sm.setSecret("app/db", Credential("db-user", "db-pass"));
  await sm.setSecret("app/map", MAP);
  await sm.setSecret("other/x", "not exported");
  await sm.registerVault("second", "secretstore", { parameters: { path: join(home, "second") } });
}, 60_000);

const env = { SECRETSTORE_PASSWORD: PASSWORD };

describe("secret store export --sealed", () => {
  it("writes every selected secret with its metadata, mode 0600, and prints only the key", async () => {
    const file = join(home, "app.sealed");
    const result = secret("node", home, ["store", "export", "--sealed", file, "--filter", "app/*"], { env });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^smsk1_[0-9a-f]{64}\n$/);
    expect(result.stderr).not.toContain(PASSWORD);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const store = await openSealedStore(readFileSync(file), result.stdout.trim());
    expect(await store.get("APP/TOKEN")).toBe("tök-🔑");
    expect(await store.get("app/blob")).toEqual(ALL_BYTES);
    expect(await store.get("app/db")).toEqual({ username: "db-user", password: "db-pass" });
    expect(await store.get("app/map")).toEqual({ user: "app", blob: Uint8Array.from([0, 255]), login: { username: "svc", password: "pw-map" } });
    await expect(store.get("other/x")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    const infos = await store.info();
    expect(infos.map((info) => [info.name, info.type]).sort()).toEqual([
      ["app/blob", "bytes"], ["app/db", "credential"], ["app/map", "map"], ["app/token", "string"],
    ]);
    expect(infos.find((info) => info.name === "app/token")!.metadata).toEqual({ owner: "ops", rotated: new Date(0), n: 3, on: true });
  }, 60_000);

  it("uses a fresh key for every export and reads the password from --password-stdin", async () => {
    const first = join(home, "one.sealed");
    const second = join(home, "two.sealed");
    const a = secret("node", home, ["store", "export", "--sealed", first, "--password-stdin"], { input: `${PASSWORD}\n` });
    const b = secret("node", home, ["store", "export", "--sealed", second], { env });
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(a.stdout).not.toBe(b.stdout);
    expect((await (await openSealedStore(readFileSync(first), a.stdout)).info()).length).toBe(5);
    await expect(openSealedStore(readFileSync(first), b.stdout)).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
  }, 60_000);

  it.each(["deno", "bun"] as const)("works the same on %s", async (runtime) => {
    const file = join(home, `${runtime}.sealed`);
    const result = secret(runtime, home, ["store", "export", "--sealed", file, "--filter", "app/blob"], { env });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^smsk1_[0-9a-f]{64}\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await (await openSealedStore(readFileSync(file), result.stdout)).get("app/blob")).toEqual(ALL_BYTES);
  }, 60_000);

  it("refuses a filter with no match (exit 3) and writes nothing", () => {
    const file = join(home, "none.sealed");
    const result = secret("node", home, ["store", "export", "--sealed", file, "--filter", "nothing/*"], { env });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it("refuses to overwrite a file unless --force", async () => {
    const file = join(home, "existing.sealed");
    writeFileSync(file, "keep me");
    const refused = secret("node", home, ["store", "export", "--sealed", file], { env });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(file, "utf8")).toBe("keep me");
    const forced = secret("node", home, ["store", "export", "--sealed", file, "--force", "--filter", "app/db"], { env });
    expect(forced.status, forced.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await (await openSealedStore(readFileSync(file), forced.stdout)).get("app/db")).toEqual({ username: "db-user", password: "db-pass" });
  }, 60_000);

  it("exports the SecretStore named by --vault, and needs its password", async () => {
    const sm = await SecretManagement.open({ home });
    await sm.unlockVault("second", PASSWORD);
    await sm.setSecret("only-in-second", "s2", { vault: "second" });
    const file = join(home, "second.sealed");
    const locked = secret("node", home, ["store", "export", "--sealed", file, "--vault", "second"]);
    expect(locked.status).toBe(4);
    expect(existsSync(file)).toBe(false);
    const result = secret("node", home, ["store", "export", "--sealed", file, "--vault", "second"], { env });
    expect(result.status, result.stderr).toBe(0);
    const store = await openSealedStore(readFileSync(file), result.stdout);
    expect((await store.info()).map((info) => info.name)).toEqual(["only-in-second"]);
    expect(secret("node", home, ["store", "export", "--sealed", join(home, "m.sealed"), "--vault", "nope"], { env }).status).toBe(3);
  }, 60_000);
});
