/**
 * The secretstore vault's `path` parameter and first use: a relative path is refused at registration
 * (naming the absolute form), and reading a store that does not exist creates nothing.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

describe("secretstore vault parameters", () => {
  it("a relative path is refused at registration with INVALID_ARGUMENT naming the absolute path", async () => {
    const home = tempHome("store-vault-relative");
    const sm = await SecretManagement.open({ home });
    const failure = await sm.registerVault("scratch", "secretstore", { parameters: { path: "stores/scratch" } })
      .then(() => undefined, (error) => error as { code?: string; message: string });
    expect(failure?.code).toBe("INVALID_ARGUMENT");
    expect(failure?.message).toContain(resolve("stores/scratch"));
    expect((await sm.getVaults()).map((vault) => vault.name)).toEqual([]);
    expect(existsSync(resolve("stores"))).toBe(false);
  });

  it("reading a store that does not exist yet finds nothing and creates nothing; the first write creates it", async () => {
    const home = tempHome("store-vault-read");
    const path = join(home, "elsewhere");
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    await sm.registerVault("v", "secretstore", { parameters: { path, authentication: "none" } });
    await expect(sm.getSecret("db", { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(await sm.getSecretInfo("*", { vault: "v" })).toEqual([]);
    await expect(sm.removeSecret("db", { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.setSecretInfo("db", { owner: "x" }, { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(existsSync(path)).toBe(false);
    await sm.setSecret("db", "value", { vault: "v" });
    expect(await sm.getSecret("db", { vault: "v" })).toBe("value");
  });
});
