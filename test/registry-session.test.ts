/**
 * Vaults that cannot outlive the process (`memory`, marked `capabilities.persistent: false`) are
 * registered for the SecretManagement instance only, never in vaults.json; the CLI, where every
 * command is a new process, refuses them; an old vaults.json entry for one is refused, not used.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";

describe("a memory vault in the library", () => {
  it("lives for the instance: registered, default, usable, and never written to vaults.json", async () => {
    const home = tempHome("session");
    const sm = await SecretManagement.open({ home });
    const info = await sm.registerVault("scratch", "memory", { description: "in-process only" });
    expect(info).toMatchObject({ name: "scratch", module: "memory", isDefault: true });
    await sm.setSecret("db", "s3cret");
    expect(await sm.getSecret("db")).toBe("s3cret");
    expect((await sm.getVaults()).map((vault) => vault.name)).toEqual(["scratch"]);
    expect(existsSync(join(home, "vaults.json"))).toBe(false);

    // Another instance (the next run of the same script) starts clean and can register it again.
    const next = await SecretManagement.open({ home });
    expect(await next.getVaults()).toEqual([]);
    await next.registerVault("scratch", "memory");
    expect(existsSync(join(home, "vaults.json"))).toBe(false);
  });

  it("sits beside persistent vaults without changing the file's default", async () => {
    const home = tempHome("session-mixed");
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("e", "env");
    await sm.registerVault("scratch", "memory", { default: true });
    expect((await sm.getVaults()).filter((vault) => vault.isDefault).map((vault) => vault.name)).toEqual(["scratch"]);
    await sm.setSecret("k", "v"); // to the session default
    expect(await sm.getSecret("k", { vault: "scratch" })).toBe("v");
    expect(JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"))).toEqual({
      version: 1,
      defaultVault: "e",
      vaults: { e: { module: "env", parameters: {}, description: "" } },
    });
    await expect(sm.registerVault("E", "memory")).rejects.toMatchObject({ code: "VAULT_EXISTS" });
    await expect(sm.registerVault("SCRATCH", "env")).rejects.toMatchObject({ code: "VAULT_EXISTS" });
    await sm.setDefaultVault("e");
    expect((await sm.getVaults()).find((vault) => vault.isDefault)?.name).toBe("e");
    await sm.unregisterVault("scratch");
    expect((await sm.getVaults()).map((vault) => vault.name)).toEqual(["e"]);
  });
});

describe("a memory vault through the CLI", () => {
  it("is refused at registration, and nothing is written", () => {
    const home = tempHome("session-cli");
    const result = secret("node", home, ["vault", "register", "scratch", "memory"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("memory of one process");
    expect(existsSync(join(home, "vaults.json"))).toBe(false);
  });

  it("an old vaults.json entry for one is refused, so `set` cannot pretend to store a value", () => {
    const home = tempHome("session-old");
    writeFileSync(
      join(home, "vaults.json"),
      JSON.stringify({ version: 1, defaultVault: "scratch", vaults: { scratch: { module: "memory", parameters: {}, description: "" } } }),
      { mode: 0o600 },
    );
    const set = secret("node", home, ["set", "important-token", "abc"]);
    expect(set.status).toBe(1);
    expect(set.stderr).toContain("secret vault unregister scratch");
    expect(secret("node", home, ["vault", "unregister", "scratch"]).status).toBe(0);
  });
});
