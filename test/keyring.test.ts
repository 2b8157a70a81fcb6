/**
 * os-keyring against gnome-keyring's Secret Service on a private D-Bus session bus started here
 * (test/helpers/keyring-session.ts), cross-checked with `secret-tool`, on Node, Deno and Bun.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SecretManagement } from "../mod.ts";
import { BYTES_ALL, testVaultContract, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";
import { type KeyringSession, startKeyringSession } from "./helpers/keyring-session.ts";
import { runSourceScenario } from "./helpers/source-scenario.ts";
import { runConsoleExamples } from "./helpers/console-examples.ts";

let session: KeyringSession;
const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;

beforeAll(async () => {
  session = await startKeyringSession();
  process.env.DBUS_SESSION_BUS_ADDRESS = session.busAddress;
}, 30_000);

afterAll(async () => {
  if (savedBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
  await session?.stop();
});

function secretTool(args: string[], input?: string): string {
  const result = spawnSync("secret-tool", args, { env: session.env, input });
  if (result.status !== 0) throw new Error(`secret-tool ${args[0]} failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

async function openVault(service: string) {
  const sm = await SecretManagement.open({ home: tempHome("keyring"), onVaultError: () => {} });
  await sm.registerVault("kr", "os-keyring", { parameters: { service } });
  return sm;
}

testVaultContract("os-keyring (gnome-keyring Secret Service)", () => ({
  module: "os-keyring",
  parameters: { service: `sm-contract-${process.pid}` },
}));

describe("os-keyring: what secret-tool sees", () => {
  const service = `sm-interop-${process.pid}`;
  let sm: SecretManagement;

  beforeAll(async () => {
    sm = await openVault(service);
  });

  it("every type round-trips, stored as a typed JSON envelope under service + lower-case username", async () => {
    const values = {
      Plain: UNICODE,
      Blob: BYTES_ALL.slice(),
      Login: { username: "alice", password: "pw ✓" },
      Conn: { host: "db", key: BYTES_ALL.slice(0, 8), admin: { username: "root", password: "r00t" } },
    };
    const when = new Date("2030-01-02T03:04:05.000Z");
    for (const [name, value] of Object.entries(values)) {
      await sm.setSecret(name, value, { vault: "kr", metadata: { owner: "ops", n: 2, on: false, when } });
    }
    for (const [name, value] of Object.entries(values)) {
      expect(await sm.getSecret(name.toUpperCase(), { vault: "kr" })).toEqual(value);
      const stored = JSON.parse(secretTool(["lookup", "service", service, "username", name.toLowerCase()]));
      expect(stored.name).toBe(name);
      expect(stored.metadata).toEqual({ owner: "ops", n: 2, on: false, when: { date: when.toISOString() } });
    }
    expect(JSON.parse(secretTool(["lookup", "service", service, "username", "plain"]))).toMatchObject({
      type: "string",
      value: UNICODE,
    });
    expect(JSON.parse(secretTool(["lookup", "service", service, "username", "blob"])).value).toEqual({
      bytes: Buffer.from(BYTES_ALL).toString("base64"),
    });
    const infos = await sm.getSecretInfo("*", { vault: "kr" });
    expect(infos.map((info) => [info.name, info.type])).toEqual([
      ["Blob", "bytes"],
      ["Conn", "map"],
      ["Login", "credential"],
      ["Plain", "string"],
    ]);
    expect(infos[0]!.metadata).toEqual({ owner: "ops", n: 2, on: false, when });
  });

  it("reads a password stored by secret-tool as a string, and removes what secret-tool then cannot find", async () => {
    secretTool(["store", "--label=foreign", "service", service, "username", "foreign"], "plain text ✓");
    expect(await sm.getSecret("foreign", { vault: "kr" })).toBe("plain text ✓");
    expect((await sm.getSecretInfo("foreign", { vault: "kr" }))[0]).toMatchObject({ name: "foreign", type: "string" });
    await sm.removeSecret("FOREIGN", { vault: "kr" });
    const lookup = spawnSync("secret-tool", ["lookup", "service", service, "username", "foreign"], { env: session.env });
    expect(lookup.stdout.toString()).toBe("");
    await expect(sm.removeSecret("foreign", { vault: "kr" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("keeps vaults with different services apart", async () => {
    const other = await openVault(`${service}-other`);
    await other.setSecret("Plain", "other", { vault: "kr" });
    expect(await sm.getSecret("Plain", { vault: "kr" })).toBe(UNICODE);
    expect(await other.getSecret("Plain", { vault: "kr" })).toBe("other");
  });

  it("defaults the service to secretmanagement:<vault name>", async () => {
    const home = tempHome("keyring-default");
    const vault = await SecretManagement.open({ home });
    await vault.registerVault("Personal", "os-keyring");
    await vault.setSecret("token", "t-1", { vault: "Personal" });
    expect(secretTool(["lookup", "service", "secretmanagement:Personal", "username", "token"])).toContain('"t-1"');
    await vault.removeSecret("token", { vault: "Personal" });
  });
});

describe("os-keyring: entries it cannot read, and parameters", () => {
  it("lists around an envelope of ours that does not decode, with a warning, and reads other JSON as a string", async () => {
    const service = `sm-foreign-${process.pid}`;
    const sm = await openVault(service);
    await sm.setSecret("Good", "fine", { vault: "kr" });
    secretTool(["store", "--label=broken", "service", service, "username", "broken"], '{"type":"bytes","name":"Broken","value":42}');
    secretTool(["store", "--label=other", "service", service, "username", "other"], '{"type":"oauth","name":"github","value":"tok"}');
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let infos;
    let warnings: string;
    try {
      infos = await sm.getSecretInfo("*", { vault: "kr" });
      warnings = stderr.mock.calls.map(([text]) => String(text)).join("");
    } finally {
      stderr.mockRestore();
    }
    expect(infos.map((info) => [info.name, info.type])).toEqual([["Good", "string"], ["other", "string"]]);
    expect(warnings).toContain('"broken"');
    expect(warnings).toContain("left out of the listing");
    expect(await sm.getSecret("other", { vault: "kr" })).toBe('{"type":"oauth","name":"github","value":"tok"}');
    await expect(sm.getSecret("broken", { vault: "kr" })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    expect(await sm.getSecret("good", { vault: "kr" })).toBe("fine");
  });

  it("refuses unknown and secret-bearing parameters at registration, listing the known ones", async () => {
    const sm = await SecretManagement.open({ home: tempHome("keyring-params"), onVaultError: () => {} });
    const unknown = await sm.registerVault("a", "os-keyring", { parameters: { servce: "x" } }).then(() => undefined, (e: Error) => e);
    expect(unknown).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("known: service") });
    const password = await sm.registerVault("b", "os-keyring", { parameters: { password: "canary-pw" } }).then(() => undefined, (e: Error) => e);
    expect(password).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(password!.message).not.toContain("canary");
    await expect(sm.registerVault("c", "os-keyring", { parameters: { service: "" } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await sm.getVaults()).toEqual([]);
  });
});

describe("os-keyring: without a session bus", () => {
  it("is VAULT_UNAVAILABLE naming the missing D-Bus session", async () => {
    const saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, runtime: process.env.XDG_RUNTIME_DIR };
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.XDG_RUNTIME_DIR;
    try {
      const sm = await openVault("sm-nobus");
      const error = await sm.getSecret("x", { vault: "kr" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect((error as Error).message).toContain("DBUS_SESSION_BUS_ADDRESS unset");
      await expect(sm.setSecret("x", "y", { vault: "kr" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(await sm.testVault("kr")).toBe(false);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus;
      if (saved.runtime !== undefined) process.env.XDG_RUNTIME_DIR = saved.runtime;
    }
  });

  // The addon keeps its bus connection for the life of the process, so this one runs in a fresh process.
  it("is VAULT_UNAVAILABLE when the bus address leads nowhere", () => {
    const dead = `unix:path=${join(tempHome("keyring-dead"), "no-bus")}`;
    const result = runSourceScenario("bun", `
      await sm.registerVault("kr", "os-keyring", { parameters: { service: "sm-deadbus" } });
      const error = await sm.getSecret("x", { vault: "kr" }).catch((e) => e);
      console.log(JSON.stringify({ code: error.code, message: error.message }));
    `, { DBUS_SESSION_BUS_ADDRESS: dead });
    const { code, message } = JSON.parse(result.stdout);
    expect(code).toBe("VAULT_UNAVAILABLE");
    expect(message).toContain("no-bus");
  });
});

describe("os-keyring without the native addon", () => {
  it("registers (the addon loads lazily) and fails its first call with VAULT_UNAVAILABLE naming the load error", () => {
    const dir = tempHome("keyring-noaddon");
    writeFileSync(join(dir, "broken.js"), 'throw new Error("Cannot find native binding keyring.linux-x64-gnu.node");\n');
    writeFileSync(join(dir, "map.json"), JSON.stringify({ imports: { "@napi-rs/keyring": `file://${dir}/broken.js` } }));
    const result = runSourceScenario("deno", `
      await sm.registerVault("kr", "os-keyring");
      const error = await sm.getSecret("x", { vault: "kr" }).catch((e) => e);
      console.log(JSON.stringify({ code: error.code, message: error.message }));
    `, { DBUS_SESSION_BUS_ADDRESS: session.busAddress }, ["--import-map", join(dir, "map.json")]);
    expect(result.stderr).toBe("");
    const { code, message } = JSON.parse(result.stdout);
    expect(code).toBe("VAULT_UNAVAILABLE");
    expect(message).toContain("@napi-rs/keyring cannot be loaded");
    expect(message).toContain("Cannot find native binding");
  });
});

describe("os-keyring on Deno and Bun (the same native addon from node_modules)", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`sets and gets through the Secret Service on ${runtime}`, () => {
      const result = runSourceScenario(runtime, `
        await sm.registerVault("kr", "os-keyring", { parameters: { service: "sm-${runtime}-${process.pid}" } });
        await sm.setSecret("Runtime", { username: "${runtime}", password: "pw ✓" }, { vault: "kr", metadata: { n: 1 } });
        const value = await sm.getSecret("runtime", { vault: "kr" });
        const info = await sm.getSecretInfo("*", { vault: "kr" });
        console.log(JSON.stringify({ value, info }));
      `, { DBUS_SESSION_BUS_ADDRESS: session.busAddress });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({
        value: { username: runtime, password: "pw ✓" },
        info: [{ name: "Runtime", type: "credential", vault: "kr", metadata: { n: 1 } }],
      });
      expect(secretTool(["lookup", "service", `sm-${runtime}-${process.pid}`, "username", "runtime"])).toContain(runtime);
    });
  }
});

describe("docs/os-keyring.md", () => {
  it("every console example prints what the page says, against gnome-keyring", async () => {
    const { expected, actual } = await runConsoleExamples("docs/os-keyring.md", {
      DBUS_SESSION_BUS_ADDRESS: session.busAddress,
    });
    expect(expected.length).toBeGreaterThan(8);
    expect(actual).toEqual(expected);
  }, 120_000);
});
