/**
 * The one place a first-use store is registered (SecretManagement.registerLocalVault): the library's
 * first setSecret/unlockVault and the CLI's `set --no-password` / `store config` all go through it.
 */
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

async function open() {
  return await SecretManagement.open({ home: tempHome("first-use"), onVaultError: () => {} });
}

describe("registerLocalVault", () => {
  it("registers local as the default on an empty home and returns what its first use returns", async () => {
    const sm = await open();
    expect(await sm.registerLocalVault(async () => "created")).toBe("created");
    expect(await sm.getVaults()).toMatchObject([{ name: "local", module: "secretstore", isDefault: true, description: "local encrypted SecretStore" }]);
  });

  it("leaves another vault the default", async () => {
    const sm = await open();
    await sm.registerVault("environment", "env");
    await sm.registerLocalVault(async () => {});
    expect((await sm.getVaults()).map(({ name, isDefault }) => [name, isDefault])).toEqual([["environment", true], ["local", false]]);
  });

  it("takes the registration back when its first use fails, leaving the home as it was", async () => {
    const sm = await open();
    await sm.registerVault("environment", "env");
    const failure = new Error("no password");
    await expect(sm.registerLocalVault(async () => Promise.reject(failure))).rejects.toBe(failure);
    expect((await sm.getVaults()).map(({ name, isDefault }) => [name, isDefault])).toEqual([["environment", true]]);
    const empty = await open();
    await expect(empty.registerLocalVault(async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await empty.getVaults()).toEqual([]);
    expect(empty.registry.read().defaultVault).toBeNull();
  });
});
