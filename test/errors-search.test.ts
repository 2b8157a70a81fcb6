/**
 * Failures are never "not found": when no vault returned a secret and one failed (locked, wrong
 * password, damaged, server down), that failure is the answer, with its own code and exit code
 * (4 for PASSWORD_REQUIRED / WRONG_PASSWORD, 1 for VAULT_UNAVAILABLE / STORE_CORRUPT), naming the
 * vault. `secret info` lists what the other vaults hold and exits non-zero when a vault failed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement, type SecretManagementError } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { freePort } from "./helpers/ports.ts";
import { ROOT } from "./helpers/runtimes.ts";

const PASSWORD = "correct horse";
const FAST_KDF = 'kdf={"memoryKiB":19456,"iterations":2,"parallelism":1}';
const BROKEN = join(ROOT, "test/fixtures/extensions/broken.mjs");

/** A home whose default vault `local` is a password SecretStore holding `a`; no password in the environment afterwards. */
function homeWithLockedStore(): string {
  const home = tempHome("search");
  expect(secret("node", home, ["vault", "register", "local", "secretstore", "--param", FAST_KDF]).status).toBe(0);
  expect(secret("node", home, ["set", "a", "1"], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).status).toBe(0);
  return home;
}

describe("secret get when the search meets a failing vault", () => {
  it("a locked store without a password: PASSWORD_REQUIRED, exit 4, not 'no secret named'", () => {
    const home = homeWithLockedStore();
    const result = secret("node", home, ["get", "x"]);
    expect(result.status).toBe(4);
    expect(result.stderr).toContain('vault "local"');
    expect(result.stderr).not.toContain("no secret named");
  });

  it("a wrong password: WRONG_PASSWORD, exit 4", () => {
    const home = homeWithLockedStore();
    const result = secret("node", home, ["get", "x"], { env: { SECRETSTORE_PASSWORD: "wrong" } });
    expect(result.status).toBe(4);
    expect(result.stderr).toContain('vault "local"');
    expect(result.stderr).not.toContain("no secret named");
  });

  it("a damaged store: STORE_CORRUPT, exit 1", () => {
    const home = homeWithLockedStore();
    const header = join(home, "secretstore", "store.header");
    const bytes = readFileSync(header);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(header, bytes);
    const result = secret("node", home, ["get", "x"], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("damaged");
    expect(result.stderr).not.toContain("no secret named");
  });

  it("a server that is down: VAULT_UNAVAILABLE naming the vault, exit 1", async () => {
    const home = tempHome("search-down");
    const address = `http://127.0.0.1:${await freePort()}`;
    const env = { VAULT_TOKEN: "unused" };
    const args = ["vault", "register", "down", "hashicorp-vault", "--param", `address=${address}`, "--param", "timeout=2"];
    expect(secret("node", home, args, { env }).status).toBe(0);
    const result = secret("node", home, ["get", "x"], { env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('vault "down"');
    expect(result.stderr).toContain("cannot reach");
    expect(result.stderr).not.toContain("no secret named");
  });

  it("a secret found in another vault is returned; the failure is a warning", () => {
    const home = homeWithLockedStore();
    expect(secret("node", home, ["vault", "register", "other", "env", "--param", "prefix=OTHER"]).status).toBe(0);
    const result = secret("node", home, ["get", "x"], { env: { OTHER_X: "from-env" } });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("from-env");
    expect(result.stderr).toContain('warning: vault "local"');
  });

  it("a secret missing everywhere with no failure is still not found, exit 3", () => {
    const home = homeWithLockedStore();
    const result = secret("node", home, ["get", "x"], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe('secret: no secret named "x" in any vault\n');
  });
});

describe("secret info when a vault fails", () => {
  it("lists what the other vaults hold, warns, and exits with the failure's code", () => {
    const home = homeWithLockedStore();
    expect(secret("node", home, ["vault", "register", "other", "env", "--param", "prefix=OTHER"]).status).toBe(0);
    const result = secret("node", home, ["info", "--json"], { env: { OTHER_X: "from-env" } });
    expect(result.status).toBe(4);
    expect(JSON.parse(result.stdout).map((info: { vault: string }) => info.vault)).toEqual(["other"]);
    expect(result.stderr).toContain('warning: vault "local"');
    expect(result.stderr).toContain("incomplete");
  });

  it("a locked store alone: a warning and exit 4, not an empty list and exit 0", () => {
    const home = homeWithLockedStore();
    const result = secret("node", home, ["info"]);
    expect(result.status).toBe(4);
    expect(result.stderr).toContain('vault "local"');
  });

  it("exits 0 when every vault answered", () => {
    const home = homeWithLockedStore();
    const result = secret("node", home, ["info", "--json"], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).map((info: { name: string }) => info.name)).toEqual(["a"]);
  });
});

describe("getSecret (library) when vaults fail", () => {
  it("throws the first failure in search order, with every failure as its cause", async () => {
    const reported: SecretManagementError[] = [];
    const sm = await SecretManagement.open({ home: tempHome("search-lib"), onVaultError: (error) => reported.push(error) });
    await sm.registerVault("zz-down", BROKEN);
    await sm.registerVault("aa-down", BROKEN);
    await sm.setDefaultVault("zz-down");
    const error = await sm.getSecret("x").catch((e: SecretManagementError) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "zz-down" });
    expect((error as Error).message).toContain('vault "zz-down"');
    expect((error as Error).message).toContain("aa-down");
    const cause = (error as Error).cause as AggregateError;
    expect(cause).toBeInstanceOf(AggregateError);
    expect(cause.errors.map((e: SecretManagementError) => e.vault)).toEqual(["zz-down", "aa-down"]);
    expect(reported).toEqual([]); // the failure is thrown, not also reported as a warning
    await expect(sm.resolveReference("secret://x")).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
    await expect(sm.setSecretInfo("x", {})).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
  });
});
