/**
 * Issue 10 defect 1: a SecretStore registered under its module name in another case
 * (`secret vault register mine SecretStore`) is a SecretStore to every command — `store config`,
 * `store unlock`, and the unlock agent's read path — as the manager, which looks built-ins up
 * ignoring case, already treats it; and the library's typed way to reach a SecretStore's engine.
 */
import { afterAll, describe, expect, it } from "vitest";
import { isSecretStoreModule, SecretManagement, secretStoreOf } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";

const PASSWORD = "case-pass-Vw3";
const VALUE = "case-value";
const homes: string[] = [];

afterAll(() => {
  for (const home of homes) secret("node", home, ["store", "lock"]);
});

describe("a SecretStore registered as SecretStore", () => {
  it("store config, store unlock and the agent's read path all take it as a SecretStore", () => {
    const home = tempHome("unlock-module-case");
    homes.push(home);
    expect(secret("node", home, ["vault", "register", "mine", "SecretStore", "--default"])).toMatchObject({ status: 0 });

    // Configuring it creates its store (this was `vault "mine" is not a SecretStore`).
    const configured = secret("node", home, ["store", "config", "--vault", "mine", "--timeout", "60", "--password-stdin"], {
      input: `${PASSWORD}\n`,
    });
    expect(configured).toMatchObject({ status: 0, stderr: "" });
    expect(JSON.parse(secret("node", home, ["store", "config", "--json"]).stdout)).toEqual({
      authentication: "password",
      passwordTimeout: 60,
      interaction: "prompt",
    });

    expect(secret("node", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).status).toBe(0);
    expect(secret("node", home, ["get", "db"]).status).toBe(4); // locked, and no agent yet
    expect(secret("node", home, ["store", "unlock", "--password-stdin"], { input: `${PASSWORD}\n` })).toMatchObject({
      status: 0,
      stderr: "",
    });
    // Served with the agent's key, with no password anywhere.
    expect(secret("node", home, ["get", "db"])).toMatchObject({ status: 0, stdout: VALUE, stderr: "" });
    expect(secret("node", home, ["info", "--json"]).status).toBe(0);
    // Changing the configuration takes the agent's key too: no password, no terminal.
    expect(secret("node", home, ["store", "config", "--vault", "MINE", "--timeout", "120"])).toMatchObject({ status: 0, stderr: "" });
    expect(secret("node", home, ["store", "lock"]).status).toBe(0);
    expect(secret("node", home, ["get", "db"]).status).toBe(4);
    expect(secret("node", home, ["vault", "unlock", "mine", "--password-stdin"], { input: `${PASSWORD}\n` }).status).toBe(0);
    expect(secret("node", home, ["get", "db"])).toMatchObject({ status: 0, stdout: VALUE });
  }, 60_000);
});

describe("secretStoreOf", () => {
  it("gives the engine of a SecretStore whatever the case of its module name, and undefined for another vault", async () => {
    const home = tempHome("unlock-store-of");
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("Mine", "SecretStore", { parameters: { authentication: "none" } });
    await sm.registerVault("environment", "env");
    expect((await sm.getVaults("mine"))[0]?.module).toBe("SecretStore");
    expect(isSecretStoreModule("SecretStore")).toBe(true);
    const found = await secretStoreOf(sm, "mine");
    expect(found?.vault).toBe("Mine");
    expect(found?.store.exists()).toBe(false);
    await found!.create();
    expect(found?.store.config.authentication).toBe("none");
    await sm.setSecret("db", VALUE, { vault: "mine" });
    expect(await found!.store.get("db")).toBe(VALUE);
    expect(await secretStoreOf(sm, "environment")).toBeUndefined();
    await expect(secretStoreOf(sm, "nowhere")).rejects.toMatchObject({ code: "VAULT_NOT_FOUND" });
  });
});
