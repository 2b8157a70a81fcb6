import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { SecretManagement as CoreSecretManagement } from "../core/manager.ts";
import { builtinVaults, SecretManagement, SecretManagementError } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const fixture = (name: string) => join(ROOT, "test/fixtures/extensions", name);

async function open(onVaultError: (error: SecretManagementError) => void = () => {}) {
  return await SecretManagement.open({ home: tempHome("manager"), onVaultError });
}

describe("vault registration", () => {
  it("makes the first registered vault the default, and only that one", async () => {
    const sm = await open();
    await sm.registerVault("first", "memory");
    await sm.registerVault("second", "memory");
    expect((await sm.getVaults()).map((v) => [v.name, v.isDefault])).toEqual([["first", true], ["second", false]]);
  });

  it("keeps vault names unique case-insensitively, unless allowClobber", async () => {
    const sm = await open();
    await sm.registerVault("Team", "memory", { description: "one" });
    await expect(sm.registerVault("team", "memory")).rejects.toMatchObject({ code: "VAULT_EXISTS" });
    await sm.registerVault("TEAM", "memory", { description: "two", allowClobber: true });
    const vaults = await sm.getVaults();
    expect(vaults).toHaveLength(1);
    expect(vaults[0]).toMatchObject({ name: "TEAM", description: "two", isDefault: true });
  });

  it("lists vaults with wildcards and returns their registration", async () => {
    const sm = await open();
    await sm.registerVault("prod-a", "memory", { parameters: { region: "eu", n: 2 }, description: "A" });
    await sm.registerVault("prod-b", "env", { parameters: { prefix: "APP" } });
    await sm.registerVault("dev", "memory");
    expect((await sm.getVaults("PROD-?")).map((v) => v.name)).toEqual(["prod-a", "prod-b"]);
    expect((await sm.getVaults("prod-a"))[0]).toEqual({
      name: "prod-a",
      module: "memory",
      description: "A",
      parameters: { region: "eu", n: 2 },
      isDefault: true,
    });
  });

  it("refuses invalid vault names and parameters", async () => {
    const sm = await open();
    for (const name of ["", "a/b", "has space", "x#y", "-lead", "a".repeat(65)]) {
      await expect(sm.registerVault(name, "memory")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    await expect(
      sm.registerVault("v", "memory", { parameters: { when: new Date() } as never }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await sm.getVaults()).toEqual([]);
  });

  it("sets and clears the default vault", async () => {
    const sm = await open();
    await sm.registerVault("a", "memory");
    await sm.registerVault("b", "memory");
    await sm.setDefaultVault("B");
    expect((await sm.getVaults()).find((v) => v.isDefault)?.name).toBe("b");
    await sm.setDefaultVault(null);
    expect((await sm.getVaults()).some((v) => v.isDefault)).toBe(false);
    await expect(sm.setDefaultVault("nope")).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
  });

  it("unregisters after calling the extension's unregister hook, and clears the default", async () => {
    const sm = await open();
    const { calls } = await import(fixture("strings-only.mjs"));
    await sm.registerVault("hooked", fixture("strings-only.mjs"));
    await sm.unregisterVault("HOOKED");
    expect(calls).toContainEqual(["unregister", "hooked"]);
    expect(await sm.getVaults()).toEqual([]);
    await expect(sm.unregisterVault("hooked")).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
  });

  it("passes unlock to the extension's hook, and refuses vaults without one", async () => {
    const sm = await open();
    const { calls } = await import(fixture("strings-only.mjs"));
    await sm.registerVault("locked", fixture("strings-only.mjs"));
    await sm.unlockVault("locked", "hunter2");
    expect(calls).toContainEqual(["unlock", "locked", 7]);
    await sm.registerVault("mem", "memory");
    await expect(sm.unlockVault("mem", "x")).rejects.toMatchObject({ code: "UNSUPPORTED", vault: "mem" });
  });

  it("tests vaults: AND over the matches, a throwing test reported and counted as failed", async () => {
    const errors: SecretManagementError[] = [];
    const sm = await open((error) => errors.push(error));
    await sm.registerVault("good", "memory");
    await sm.registerVault("sick", fixture("strings-only.mjs"), { parameters: { healthy: false } });
    await sm.registerVault("down", fixture("broken.mjs"));
    expect(await sm.testVault("good")).toBe(true);
    expect(await sm.testVault("sick")).toBe(false);
    expect(await sm.testVault("*")).toBe(false);
    expect(errors.map((e) => e.vault)).toContain("down");
    await expect(sm.testVault("absent")).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
  });
});

describe("extension loading", () => {
  it("loads by file path and stores it as an absolute file: URL", async () => {
    const sm = await open();
    await sm.registerVault("rel", "./test/fixtures/extensions/strings-only.mjs");
    await sm.setSecret("k", "v", { vault: "rel" });
    expect(await sm.getSecret("k", { vault: "rel" })).toBe("v");
    expect(sm.registry.read().vaults.rel!.module).toBe(`file://${fixture("strings-only.mjs")}`);
  });

  it("loads by file URL", async () => {
    const sm = await open();
    await sm.registerVault("url", `file://${fixture("strings-only.mjs")}`);
    expect(await sm.testVault("url")).toBe(true);
  });

  it("names the missing member of an invalid extension and registers nothing", async () => {
    const sm = await open();
    const missing = sm.registerVault("bad", fixture("missing-method.mjs"));
    await expect(missing).rejects.toMatchObject({ code: "INVALID_EXTENSION" });
    await expect(missing).rejects.toThrow(/removeSecret/);
    await expect(sm.registerVault("bad", fixture("no-default.mjs"))).rejects.toThrow(/default export/);
    await expect(sm.registerVault("bad", "no-such-package-xyz")).rejects.toMatchObject({ code: "INVALID_EXTENSION" });
    await expect(sm.registerVault("bad", "./missing-file.mjs")).rejects.toMatchObject({ code: "INVALID_EXTENSION" });
    expect(await sm.getVaults()).toEqual([]);
  });

  it("refuses a package without the vault keyword before importing it, and says how to install a missing one", async () => {
    const sm = await open();
    // hash-wasm is installed but is not a vault: its package.json lacks the keyword.
    const notVault = sm.registerVault("pkg", "hash-wasm");
    await expect(notVault).rejects.toMatchObject({ code: "INVALID_EXTENSION" });
    await expect(notVault).rejects.toThrow(/package "hash-wasm" is not a vault extension: .*secretmanagement-vault/);
    const missing = await sm.registerVault("pkg", "@acme/no-such-vault/sub").catch((error: Error) => error);
    expect(missing).toMatchObject({ code: "INVALID_EXTENSION" });
    expect((missing as Error).message).toContain("npm i @acme/no-such-vault (Deno: deno add npm:@acme/no-such-vault; Bun: bun add @acme/no-such-vault)");
    expect((missing as Error).message).toContain("aws-secrets-manager, azure-keyvault, env, hashicorp-vault, keepass");
    expect(await sm.getVaults()).toEqual([]);
  });

  it("registers a vault module object in the instance only", async () => {
    const sm = await open();
    const memory = await import("../extensions/memory/mod.ts");
    const env = (await import("../extensions/env/mod.ts")).default;
    await sm.registerVault("as-namespace", memory);
    await sm.registerVault("as-factory", env, { parameters: { prefix: "SMTEST" } });
    expect((await sm.getVaults()).map((vault) => [vault.name, vault.module])).toEqual([
      ["as-factory", "(module object)"],
      ["as-namespace", "(module object)"],
    ]);
    await sm.setSecret("x", "y", { vault: "as-namespace" });
    expect(await sm.getSecret("x")).toBe("y");
    expect(sm.registry.read().vaults).toEqual({});
    await expect(sm.registerVault("bad", { default: "nope" } as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("removes a vault whose module no longer loads", async () => {
    const sm = await open();
    await sm.registry.update((data) => {
      data.vaults.gone = { module: "./deleted-extension.mjs", parameters: {}, description: "" };
    });
    await sm.unregisterVault("gone");
    expect(await sm.getVaults()).toEqual([]);
  });
});

describe("secrets across vaults", () => {
  it("searches the default vault first, then the others by case-insensitive name; first hit wins", async () => {
    const sm = await open();
    await sm.registerVault("b-vault", "memory");
    await sm.registerVault("C-vault", "memory");
    await sm.registerVault("a-vault", "memory");
    await sm.setDefaultVault("C-vault");
    await sm.setSecret("shared", "from-b", { vault: "b-vault" });
    await sm.setSecret("shared", "from-a", { vault: "a-vault" });
    expect(await sm.getSecret("shared")).toBe("from-a");
    await sm.setSecret("shared", "from-c", { vault: "c-vault" });
    expect(await sm.getSecret("SHARED")).toBe("from-c");
    expect((await sm.getSecretInfo("shared")).map((i) => i.vault)).toEqual(["C-vault", "a-vault", "b-vault"]);
  });

  it("reports a failing vault and goes on searching", async () => {
    const errors: SecretManagementError[] = [];
    const sm = await open((error) => errors.push(error));
    await sm.registerVault("aaa-down", fixture("broken.mjs"));
    await sm.registerVault("zzz-up", "memory");
    await sm.setSecret("token", "t0k3n", { vault: "zzz-up" });
    expect(await sm.getSecret("token")).toBe("t0k3n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "aaa-down" });
    expect(errors[0]!.message).toContain("connection refused");
    expect((await sm.getSecretInfo()).map((i) => i.name)).toEqual(["token"]);
  });

  it("answers with the vault's failure, not SECRET_NOT_FOUND, when a secret is found nowhere", async () => {
    const sm = await open();
    await sm.registerVault("down", fixture("broken.mjs"));
    const error = await sm.getSecret("x").catch((e: SecretManagementError) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "down" });
    expect((error as Error).message).toContain('vault "down"');
  });

  it("requires a vault for an explicitly named unknown vault", async () => {
    const sm = await open();
    await expect(sm.getSecret("x", { vault: "nope" })).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
    await expect(sm.setSecret("x", "v", { vault: "nope" })).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
    await expect(sm.getSecretInfo("*", { vault: "nope" })).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
  });

  it("writes to the default vault and fails with NO_DEFAULT_VAULT when there is none", async () => {
    // The core manager without the built-in secretstore, which would otherwise be created on first use.
    const sm = await CoreSecretManagement.open({
      home: tempHome("nodefault"),
      runtime: nodeRuntime,
      builtins: { memory: builtinVaults.memory! },
    });
    await expect(sm.setSecret("x", "v")).rejects.toMatchObject({ code: "NO_DEFAULT_VAULT" });
    await sm.registerVault("m", "memory");
    await sm.setDefaultVault(null);
    await expect(sm.setSecret("x", "v")).rejects.toMatchObject({ code: "NO_DEFAULT_VAULT" });
    await sm.setDefaultVault("m");
    await sm.setSecret("x", "v");
    expect(await sm.getSecret("x", { vault: "m" })).toBe("v");
  });

  it("refuses with noClobber and leaves the value", async () => {
    const sm = await open();
    await sm.registerVault("m", "memory");
    await sm.setSecret("k", "one");
    await expect(sm.setSecret("k", "two", { noClobber: true })).rejects.toMatchObject({
      code: "SECRET_EXISTS",
      vault: "m",
    });
    expect(await sm.getSecret("k")).toBe("one");
  });

  it("checks metadata and types against the vault's capabilities before writing", async () => {
    const sm = await open();
    await sm.registerVault("plain", fixture("strings-only.mjs"));
    await expect(sm.setSecret("k", "v", { vault: "plain", metadata: { a: 1 } })).rejects.toMatchObject({
      code: "UNSUPPORTED",
    });
    await expect(sm.setSecret("k", new Uint8Array([1]), { vault: "plain" })).rejects.toMatchObject({
      code: "UNSUPPORTED",
    });
    await expect(sm.getSecret("k", { vault: "plain" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.setSecretInfo("k", { a: 1 }, { vault: "plain" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
  });

  it("rejects invalid values, metadata and names with INVALID_ARGUMENT, never echoing the value", async () => {
    const sm = await open();
    await sm.registerVault("m", "memory");
    const bad: unknown[] = [42, null, undefined, ["a"], { nested: { deep: "x" } }, new Date(), { username: "u", password: 5 }, new Map()];
    for (const value of bad) {
      await expect(sm.setSecret("k", value as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    for (const metadata of [{ a: null }, { a: [1] }, { a: Number.NaN }, { a: new Date("x") }, { "": 1 }]) {
      await expect(sm.setSecret("k", "v", { metadata: metadata as never })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
    for (const name of ["", "a\u0000b", "line\nbreak", "x".repeat(1025)]) {
      await expect(sm.setSecret(name, "v")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    const error = await sm.setSecret("k", { pin: 1234 as never }).catch((e: Error) => e);
    expect((error as Error).message).not.toContain("1234");
    expect(await sm.getSecretInfo()).toEqual([]);
  });

  it("requires a vault to remove a secret", async () => {
    const sm = await open();
    await sm.registerVault("m", "memory");
    await sm.setSecret("k", "v");
    await expect(sm.removeSecret("k", {} as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.removeSecret("k", undefined as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await sm.removeSecret("K", { vault: "M" });
    await expect(sm.getSecret("k")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("replaces metadata with setSecretInfo, finding the vault when none is named", async () => {
    const sm = await open();
    await sm.registerVault("a", "memory");
    await sm.registerVault("b", "memory");
    await sm.setSecret("k", "v", { vault: "b", metadata: { owner: "x", n: 1 } });
    await sm.setSecretInfo("k", { owner: "y" });
    expect((await sm.getSecretInfo("k"))[0]).toMatchObject({ vault: "b", metadata: { owner: "y" } });
    await expect(sm.setSecretInfo("missing", {})).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("wraps a foreign extension error as VAULT_UNAVAILABLE naming the vault, with the error as cause", async () => {
    const sm = await open();
    await sm.registerVault("w", fixture("strings-only.mjs"), { parameters: { failWrites: true } });
    const error = await sm.setSecret("k", "v", { vault: "w" }).catch((e: SecretManagementError) => e);
    expect(error).toBeInstanceOf(SecretManagementError);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "w" });
    expect(((error as Error).cause as Error).message).toBe("backend refused the write");
  });

  it("resolves secret:// references to values and fields", async () => {
    const sm = await open();
    await sm.registerVault("m", "memory");
    await sm.registerVault("other", "memory");
    await sm.setSecret("db", { username: "app", password: "pw" }, { vault: "other" });
    await sm.setSecret("cfg", { host: "h", "odd#key": "k" });
    expect(await sm.resolveReference("secret://other/db#password")).toBe("pw");
    expect(await sm.resolveReference("secret://db#username")).toBe("app");
    expect(await sm.resolveReference("secret://m/cfg#odd%23key")).toBe("k");
    expect(await sm.resolveReference("secret://cfg")).toEqual({ host: "h", "odd#key": "k" });
    await expect(sm.resolveReference("secret://db#nope")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.resolveReference("secret://absent/db")).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
    await expect(sm.resolveReference("http://db")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.resolveReference("secret://m/")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
