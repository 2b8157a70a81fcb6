/**
 * The library's password API (issue 13): `SecretManagement.open({ passwords })` and
 * `unlockVault("local", password)` create the default store on first use as the CLI's first `set`
 * does; a missing password names the library's remedies, not the CLI's flags; a failed first write
 * leaves no registration behind.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { defineVault, SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

const PASSWORD = "library-pass-Zk4";

beforeEach(() => {
  vi.stubEnv("SECRETSTORE_PASSWORD", undefined); // the library must work without it
});

async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a failure");
}

describe("SecretManagement.open({ passwords })", () => {
  it("creates the local store on the first setSecret with that password, and unlocks it in later instances", async () => {
    const home = join(tempHome("lib-passwords"), "sm");
    const sm = await SecretManagement.open({ home, passwords: { local: PASSWORD } });
    await sm.setSecret("db", "db-value");
    expect(await sm.getVaults()).toMatchObject([{ name: "local", module: "secretstore", isDefault: true }]);

    const again = await SecretManagement.open({ home, passwords: { LOCAL: PASSWORD } }); // vault names ignore case
    expect(await again.getSecret("db")).toBe("db-value");

    const without = await SecretManagement.open({ home });
    const error = await failure(without.getSecret("db", { vault: "local" }));
    expect(error.code).toBe("PASSWORD_REQUIRED");
    expect(error.message).toContain("SecretManagement.open({ passwords: { local:");
    expect(error.message).toContain(`sm.unlockVault("local", password)`);
    expect(error.message).not.toContain("--password-stdin");

    const wrong = await SecretManagement.open({ home, passwords: { local: "not-it" } });
    expect((await failure(wrong.getSecret("db", { vault: "local" }))).code).toBe("WRONG_PASSWORD");
  }, 60_000);

  it("refuses an empty password up front", async () => {
    const error = await failure(SecretManagement.open({ home: tempHome("lib-empty"), passwords: { local: "" } }));
    expect(error.code).toBe("INVALID_ARGUMENT");
  });
});

describe("passwords for any vault that asks", () => {
  it("a vault's password prompt gets the password given for it, and no other vault's", async () => {
    const asking = defineVault((context) => ({
      capabilities: { metadata: false, types: ["string"], persistent: false },
      getSecret: async () => `unlocked with ${await context.prompt("Password: ")}`,
      setSecret: async () => {},
      removeSecret: async () => {},
      getSecretInfo: async () => [],
      test: async () => true,
    }));
    const sm = await SecretManagement.open({ home: tempHome("lib-asking"), passwords: { kp: "kp-pass" } });
    await sm.registerVault("kp", asking);
    await sm.registerVault("other", asking);
    expect(await sm.getSecret("x", { vault: "kp" })).toBe("unlocked with kp-pass");
    const error = await failure(sm.getSecret("x", { vault: "other" }));
    expect(error.code).toBe("PASSWORD_REQUIRED");
    expect(error.message).toContain('sm.unlockVault("other", password)');
  });
});

describe("first use without a password", () => {
  it("setSecret fails with PASSWORD_REQUIRED naming the library's remedies, and leaves no registration behind", async () => {
    const home = join(tempHome("lib-nopass"), "sm");
    const sm = await SecretManagement.open({ home });
    const error = await failure(sm.setSecret("db", "db-value"));
    expect(error.code).toBe("PASSWORD_REQUIRED");
    expect(error.message).toContain("passwords");
    expect(error.message).toContain("unlockVault");
    expect(error.message).not.toContain("--password-stdin");
    expect(await sm.getVaults()).toEqual([]);
    const registry = join(home, "vaults.json");
    if (existsSync(registry)) expect(JSON.parse(readFileSync(registry, "utf8")).vaults).toEqual({});

    // The remedy it names works, on the same instance.
    await sm.unlockVault("local", PASSWORD);
    await sm.setSecret("db", "db-value");
    expect(await sm.getSecret("db")).toBe("db-value");
  }, 60_000);
});

describe("unlockVault on a fresh home", () => {
  it('unlockVault("local", password) creates and registers the default store, which later opens with that password', async () => {
    const home = join(tempHome("lib-unlock"), "sm");
    const sm = await SecretManagement.open({ home });
    await sm.unlockVault("local", PASSWORD);
    expect(await sm.getVaults()).toMatchObject([{ name: "local", isDefault: true }]);
    await sm.setSecret("api", { username: "app", password: "p" });
    const later = await SecretManagement.open({ home, passwords: { local: PASSWORD } });
    expect(await later.getSecret("api")).toEqual({ username: "app", password: "p" });
    const text = readFileSync(join(home, "vaults.json"), "utf8");
    expect(text).not.toContain(PASSWORD);
  }, 60_000);
});
