/**
 * hashicorp-vault against a real OpenBao dev server started here: the conformance suite on KV v2
 * (token auth) and KV v1 (AppRole), userpass, check-and-set between concurrent writers, a read-only
 * policy, token renewal and re-login, interop with the `bao` CLI both ways, and an outage of a
 * server with on-disk storage (the failed write is reported, earlier writes survive the restart).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement, type VaultParameters } from "../mod.ts";
import { BYTES_ALL, testVaultContract, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";
import { type OpenBao, startDiskBackedOpenBao, startOpenBao } from "./helpers/openbao.ts";
import { freePort } from "./helpers/ports.ts";

const run = promisify(execFile);

let bao: OpenBao;
let roleId = "";
let secretId = "";
let readOnlyToken = "";
const USER_PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;

const POLICY_RW = `
path "secret/*" { capabilities = ["create", "read", "update", "delete", "list", "patch"] }
path "kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }
`;
const POLICY_RO = `
path "secret/data/*" { capabilities = ["read"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
`;

const ready = (async () => {
  bao = await startOpenBao();
  await bao.api("POST", "sys/mounts/kv1", { type: "kv", options: { version: "1" } });
  await bao.api("POST", "sys/mounts/plain", { type: "transit" });
  await bao.api("PUT", "sys/policies/acl/rw", { policy: POLICY_RW });
  await bao.api("PUT", "sys/policies/acl/ro", { policy: POLICY_RO });
  await bao.api("POST", "sys/auth/approle", { type: "approle" });
  await bao.api("POST", "auth/approle/role/app", { token_policies: ["rw"], token_ttl: "1h" });
  roleId = (await bao.api("GET", "auth/approle/role/app/role-id")).data.role_id;
  secretId = (await bao.api("POST", "auth/approle/role/app/secret-id")).data.secret_id;
  await bao.api("POST", "sys/auth/userpass", { type: "userpass" });
  await bao.api("POST", "auth/userpass/users/alice", { password: USER_PASSWORD, token_policies: ["rw"] });
  readOnlyToken = (await bao.api("POST", "auth/token/create", { policies: ["ro"], ttl: "1h" })).auth.client_token;
})();

afterAll(async () => {
  await bao?.stop();
});

const bareEnv = { VAULT_TOKEN: "", BAO_TOKEN: "" };

testVaultContract("hashicorp-vault KV v2, token auth", async () => {
  await ready;
  return { module: "hashicorp-vault", parameters: { address: bao.address }, env: { VAULT_TOKEN: bao.rootToken } };
}, { caseInsensitive: false });

testVaultContract("hashicorp-vault KV v1, AppRole auth", async () => {
  await ready;
  return {
    module: "hashicorp-vault",
    parameters: { address: bao.address, mount: "kv1", auth: "approle", pathPrefix: "contract" },
    env: { ...bareEnv, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId },
  };
}, { caseInsensitive: false });

/** A manager with one hashicorp-vault vault named `vault`. */
async function open(parameters: VaultParameters, vault = "v"): Promise<SecretManagement> {
  await ready;
  const sm = await SecretManagement.open({ home: tempHome("vault"), onVaultError: () => {} });
  await sm.registerVault(vault, "hashicorp-vault", { parameters: { address: bao.address, ...parameters } });
  return sm;
}

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

/** Runs the bao CLI against the test server with the root token. */
async function baoCli(...args: string[]): Promise<string> {
  const { stdout } = await run("bao", args, {
    env: { ...process.env, BAO_ADDR: bao.address, VAULT_ADDR: bao.address, BAO_TOKEN: bao.rootToken },
  });
  return stdout;
}

describe("hashicorp-vault with the environment's token", () => {
  const saved = process.env.VAULT_TOKEN;
  beforeAll(async () => {
    await ready;
    process.env.VAULT_TOKEN = bao.rootToken;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.VAULT_TOKEN;
    else process.env.VAULT_TOKEN = saved;
  });

  it("registers through the library and writes under the mount, never under the vault's name", async () => {
    const sm = await open({}, "team");
    const name = unique("registered");
    await sm.setSecret(name, "v1", { vault: "team" });
    const raw = await bao.api("GET", `secret/data/${name}`);
    expect(raw.data.data).toEqual({ value: "v1" });
    expect(raw.data.metadata.custom_metadata).toEqual({ "secretmanagement:type": "string" });
    await expect(bao.api("GET", `team/data/${name}`)).rejects.toThrow(/HTTP 40[34]/);
    expect((await sm.getVaults("team"))[0]).toMatchObject({ module: "hashicorp-vault", parameters: { address: bao.address } });
  });

  it("writes what `bao kv get` reads, as readable fields with the type in custom_metadata", async () => {
    const sm = await open({});
    const base = unique("interop-out");
    await sm.setSecret(`${base}/s`, UNICODE, { vault: "v", metadata: { owner: "ops", n: 3, on: true } });
    await sm.setSecret(`${base}/b`, BYTES_ALL.slice(), { vault: "v" });
    await sm.setSecret(`${base}/c`, { username: "u", password: "p" }, { vault: "v" });
    await sm.setSecret(`${base}/m`, { host: "h", key: BYTES_ALL.slice(0, 3), admin: { username: "r", password: "q" } }, {
      vault: "v",
    });
    const get = async (name: string) => JSON.parse(await baoCli("kv", "get", "-format=json", `secret/${base}/${name}`)).data;
    const s = await get("s");
    expect(s.data).toEqual({ value: UNICODE });
    expect(s.metadata.custom_metadata).toEqual({ "secretmanagement:type": "string", owner: "s:ops", n: "n:3", on: "b:true" });
    expect((await get("b")).data).toEqual({ value: Buffer.from(BYTES_ALL).toString("base64") });
    expect((await get("c")).data).toEqual({ username: "u", password: "p" });
    expect((await get("m")).data).toEqual({ host: "h", key: { bytes: "AAEC" }, admin: { username: "r", password: "q" } });
    expect((await sm.getSecretInfo(`${base}/*`, { vault: "v" })).map((info) => [info.name, info.type])).toEqual([
      [`${base}/b`, "bytes"],
      [`${base}/c`, "credential"],
      [`${base}/m`, "map"],
      [`${base}/s`, "string"],
    ]);
  });

  it("reads what `bao kv put` writes: value → string, username+password → credential, other fields → map", async () => {
    const sm = await open({});
    const base = unique("interop-in");
    await baoCli("kv", "put", `secret/${base}/s`, "value=plain text");
    await baoCli("kv", "put", `secret/${base}/c`, "username=bob", "password=hunter2");
    await baoCli("kv", "put", `secret/${base}/m`, "host=db", "port=5432");
    await baoCli("kv", "put", "kv1/" + base, "value=v1 text");
    expect(await sm.getSecret(`${base}/s`, { vault: "v" })).toBe("plain text");
    expect(await sm.getSecret(`${base}/c`, { vault: "v" })).toEqual({ username: "bob", password: "hunter2" });
    expect(await sm.getSecret(`${base}/m`, { vault: "v" })).toEqual({ host: "db", port: "5432" });
    const infos = await sm.getSecretInfo(`${base}/*`, { vault: "v" });
    expect(infos.map((info) => [info.name, info.type, info.metadata])).toEqual([
      [`${base}/c`, "credential", {}],
      [`${base}/m`, "map", {}],
      [`${base}/s`, "string", {}],
    ]);
    const v1 = await open({ mount: "kv1" });
    expect(await v1.getSecret(base, { vault: "v" })).toBe("v1 text");
    // A map field holding other JSON (here a number, put through the API) reads as its JSON text.
    await bao.api("POST", `secret/data/${base}/json`, { data: { count: 3, list: [1, 2] } });
    expect(await sm.getSecret(`${base}/json`, { vault: "v" })).toEqual({ count: "3", list: "[1,2]" });
  });

  it("keeps the type on KV v1 in a reserved field that `bao kv get` shows beside the value", async () => {
    const sm = await open({ mount: "kv1" });
    const name = unique("v1-fields");
    await sm.setSecret(name, BYTES_ALL.slice(0, 4), { vault: "v", metadata: { owner: "ops" } });
    const data = JSON.parse(await baoCli("kv", "get", "-format=json", `kv1/${name}`)).data;
    expect(data).toEqual({ value: "AAECAw==", "secretmanagement:type": "bytes", "secretmanagement:metadata": { owner: "s:ops" } });
    await expect(sm.setSecret(unique("reserved"), { "secretmanagement:type": "x" }, { vault: "v" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("detects the KV version of the mount, and refuses a mount that is not KV", async () => {
    for (const [mount, version] of [["secret", 2], ["kv1", 1]] as const) {
      const sm = await open({ mount });
      const name = unique("detect");
      await sm.setSecret(name, "x", { vault: "v" });
      const path = version === 2 ? `${mount}/data/${name}` : `${mount}/${name}`;
      expect((await bao.api("GET", path)).data).toEqual(version === 2 ? expect.objectContaining({ data: { value: "x" } }) : {
        value: "x",
        "secretmanagement:type": "string",
      });
    }
    const transit = await open({ mount: "plain" });
    await expect(transit.getSecret("x", { vault: "v" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const missing = await open({ mount: "nowhere" });
    await expect(missing.testVault("v")).resolves.toBe(false);
  });

  it("lets exactly one of two concurrent noClobber writers create a name (check-and-set)", async () => {
    const first = await open({});
    const second = await open({});
    for (let round = 0; round < 5; round++) {
      const name = unique("cas");
      const results = await Promise.allSettled([
        first.setSecret(name, "first", { vault: "v", noClobber: true }),
        second.setSecret(name, "second", { vault: "v", noClobber: true }),
      ]);
      const won = results.filter((result) => result.status === "fulfilled");
      const lost = results.filter((result) => result.status === "rejected") as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost.map((result) => result.reason.code)).toEqual(["SECRET_EXISTS"]);
      const stored = await first.getSecret(name, { vault: "v" });
      expect(stored).toBe(results[0]!.status === "fulfilled" ? "first" : "second");
    }
  });

  it("removes softly by default (bao kv undelete restores) and destroys every version with destroy: true", async () => {
    const sm = await open({});
    const name = unique("soft");
    await sm.setSecret(name, "one", { vault: "v" });
    await sm.setSecret(name, "two", { vault: "v" });
    await sm.removeSecret(name, { vault: "v" });
    await expect(sm.getSecret(name, { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(await sm.getSecretInfo(`${name}*`, { vault: "v" })).toEqual([]);
    await baoCli("kv", "undelete", "-versions=2", `secret/${name}`);
    expect(await sm.getSecret(name, { vault: "v" })).toBe("two");
    // noClobber takes the place of a soft-deleted latest version, still with check-and-set.
    await sm.removeSecret(name, { vault: "v" });
    await sm.setSecret(name, "three", { vault: "v", noClobber: true });
    expect(await sm.getSecret(name, { vault: "v" })).toBe("three");

    const destroying = await open({ destroy: true });
    await destroying.removeSecret(name, { vault: "v" });
    await expect(bao.api("GET", `secret/metadata/${name}`)).rejects.toThrow(/HTTP 404/);
  });

  it("lists nested folders with wildcards, case-sensitively, inside pathPrefix only", async () => {
    const base = unique("tree");
    const sm = await open({ pathPrefix: base });
    const names = ["app/db/password", "app/api-key", "App/upper", "top"];
    for (const name of names) await sm.setSecret(name, "x", { vault: "v" });
    await bao.api("POST", `secret/data/${base}-outside`, { data: { value: "no" } });
    const listed = async (filter: string) => (await sm.getSecretInfo(filter, { vault: "v" })).map((info) => info.name);
    expect(await listed("*")).toEqual(["app/api-key", "app/db/password", "App/upper", "top"]);
    expect((await listed("app/*")).sort()).toEqual(["app/api-key", "app/db/password"]);
    expect(await listed("app/db/passwor?")).toEqual(["app/db/password"]);
    expect(await listed("APP/*")).toEqual([]);
    expect(await sm.getSecret("app/db/password", { vault: "v" })).toBe("x");
    await expect(sm.getSecret("APP/DB/PASSWORD", { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.setSecret("bad//name", "x", { vault: "v" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.setSecret("../escape", "x", { vault: "v" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("encodes names with spaces, #, % and Unicode so they round-trip and list as spelled", async () => {
    for (const mount of ["secret", "kv1"]) {
      const sm = await open({ mount, pathPrefix: unique("odd") });
      const names = ["100%/😀 x", "a b/ü#1"];
      for (const name of names) await sm.setSecret(name, name, { vault: "v" });
      for (const name of names) expect(await sm.getSecret(name, { vault: "v" })).toBe(name);
      expect((await sm.getSecretInfo("*", { vault: "v" })).map((info) => info.name)).toEqual(names);
      await sm.removeSecret(names[1]!, { vault: "v" });
      expect((await sm.getSecretInfo("*", { vault: "v" })).map((info) => info.name)).toEqual([names[0]]);
    }
  });

  it("refuses metadata beyond KV v2's custom_metadata limits before writing anything", async () => {
    const sm = await open({});
    const name = unique("limits");
    await expect(sm.setSecret(name, "x", { vault: "v", metadata: { big: "y".repeat(600) } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(sm.getSecret(name, { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.setSecret(name, "x", { vault: "v", metadata: { "secretmanagement:type": "x" } })).rejects
      .toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("hashicorp-vault auth and errors", () => {
  it("logs in with userpass, the password from the env var named by passwordEnv", async () => {
    process.env.SM_TEST_BAO_PASSWORD = USER_PASSWORD;
    try {
      const sm = await open({ auth: "userpass", username: "alice", passwordEnv: "SM_TEST_BAO_PASSWORD" });
      const name = unique("userpass");
      await sm.setSecret(name, "by alice", { vault: "v" });
      expect(await sm.getSecret(name, { vault: "v" })).toBe("by alice");
      process.env.SM_TEST_BAO_PASSWORD = "wrong";
      const wrong = await open({ auth: "userpass", username: "alice", passwordEnv: "SM_TEST_BAO_PASSWORD" });
      const error = await wrong.getSecret(name, { vault: "v" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(String(error.message)).not.toContain("wrong");
    } finally {
      delete process.env.SM_TEST_BAO_PASSWORD;
    }
  });

  it("says a login failed (not that the KV version is unreadable) for a wrong AppRole secret_id or userpass password", async () => {
    const wrongSecretId = `wrong-secret-id-${Math.random().toString(36).slice(2)}`;
    const wrongPassword = `wrong-password-${Math.random().toString(36).slice(2)}`;
    process.env.SM_TEST_ROLE = roleId;
    process.env.SM_TEST_SECRET = wrongSecretId;
    process.env.SM_TEST_BAO_PASSWORD = wrongPassword;
    try {
      const approle = await open({ auth: "approle", roleIdEnv: "SM_TEST_ROLE", secretIdEnv: "SM_TEST_SECRET" });
      const loginError = await approle.getSecret("x", { vault: "v" }).catch((e) => e);
      expect(loginError).toMatchObject({ code: "PERMISSION_DENIED", vault: "v" });
      expect(loginError.message).toMatch(/^vault "v": approle login failed: .*refused the role_id \(SM_TEST_ROLE\) or secret_id \(SM_TEST_SECRET\)/);
      expect(loginError.message).toContain("invalid role or secret ID");
      expect(loginError.message).not.toContain("KV version");
      expect(loginError.message).not.toContain(wrongSecretId);
      expect(await approle.testVault("v")).toBe(false);

      const userpass = await open({ auth: "userpass", username: "alice", passwordEnv: "SM_TEST_BAO_PASSWORD" });
      const passwordError = await userpass.setSecret("x", "y", { vault: "v" }).catch((e) => e);
      expect(passwordError).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(passwordError.message).toMatch(/^vault "v": userpass login failed: .*the password of alice \(from SM_TEST_BAO_PASSWORD\)/);
      expect(passwordError.message).not.toContain("KV version");
      expect(passwordError.message).not.toContain(wrongPassword);
    } finally {
      delete process.env.SM_TEST_ROLE;
      delete process.env.SM_TEST_SECRET;
      delete process.env.SM_TEST_BAO_PASSWORD;
    }
  });

  it("says an invalid or revoked token was refused, naming where it came from (VAULT_TOKEN, BAO_TOKEN, tokenFile)", async () => {
    const bogus = `s.bogus${Math.random().toString(36).slice(2)}`;
    const saved = { VAULT_TOKEN: process.env.VAULT_TOKEN, BAO_TOKEN: process.env.BAO_TOKEN };
    try {
      for (const [variable, kvVersion] of [["VAULT_TOKEN", "auto"], ["BAO_TOKEN", 2]] as const) {
        delete process.env.VAULT_TOKEN;
        delete process.env.BAO_TOKEN;
        process.env[variable] = bogus;
        const sm = await open({ kvVersion });
        const error = await sm.getSecret("x", { vault: "v" }).catch((e) => e);
        expect(error).toMatchObject({ code: "PERMISSION_DENIED", vault: "v" });
        expect(error.message).toContain(`the Vault token from ${variable} was refused`);
        expect(error.message).toContain("invalid, expired or revoked");
        expect(error.message).not.toContain("KV version");
        expect(error.message).not.toContain(bogus);
      }
      const revoked = (await bao.api("POST", "auth/token/create", { policies: ["rw"], ttl: "1h" })).auth.client_token;
      await bao.api("POST", "auth/token/revoke", { token: revoked });
      const dir = mkdtempSync(join(tmpdir(), "sm-token-"));
      writeFileSync(join(dir, "token"), revoked, { mode: 0o600 });
      const fromFile = await open({ tokenFile: join(dir, "token") });
      const error = await fromFile.setSecret("x", "y", { vault: "v" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(error.message).toContain(`the Vault token from tokenFile ${join(dir, "token")} was refused`);
      expect(error.message).not.toContain(revoked);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("reads the token from tokenFile, renews it before it expires, and keeps working past its first TTL", async () => {
    const created = await bao.api("POST", "auth/token/create", { policies: ["rw"], ttl: "6s", explicit_max_ttl: "1m" });
    const token = created.auth.client_token;
    const dir = mkdtempSync(join(tmpdir(), "sm-token-"));
    writeFileSync(join(dir, "token"), `${token}\n`, { mode: 0o600 });
    const sm = await open({ tokenFile: join(dir, "token") });
    const name = unique("renew");
    await sm.setSecret(name, "a", { vault: "v" });
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await sm.getSecret(name, { vault: "v" })).toBe("a");
    const lookedUp = await bao.api("POST", "auth/token/lookup", { token });
    expect(lookedUp.data.ttl).toBeGreaterThan(3);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await sm.getSecret(name, { vault: "v" })).toBe("a");
  });

  it("logs in again with AppRole when the token reaches its max TTL", async () => {
    await bao.api("POST", "auth/approle/role/short", { token_policies: ["rw"], token_ttl: "3s", token_max_ttl: "3s" });
    const shortRole = (await bao.api("GET", "auth/approle/role/short/role-id")).data.role_id;
    const shortSecret = (await bao.api("POST", "auth/approle/role/short/secret-id")).data.secret_id;
    process.env.SM_TEST_ROLE = shortRole;
    process.env.SM_TEST_SECRET = shortSecret;
    try {
      const sm = await open({ auth: "approle", roleIdEnv: "SM_TEST_ROLE", secretIdEnv: "SM_TEST_SECRET" });
      const name = unique("relogin");
      await sm.setSecret(name, "a", { vault: "v" });
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(await sm.getSecret(name, { vault: "v" })).toBe("a");
    } finally {
      delete process.env.SM_TEST_ROLE;
      delete process.env.SM_TEST_SECRET;
    }
  });

  it("logs in again when its token is revoked, but not when a policy refuses a call", async () => {
    process.env.SM_TEST_BAO_PASSWORD = USER_PASSWORD;
    try {
      const sm = await open({ auth: "userpass", username: "alice", passwordEnv: "SM_TEST_BAO_PASSWORD" });
      const name = unique("revoked");
      await sm.setSecret(name, "before", { vault: "v" });
      await bao.api("PUT", "sys/leases/revoke-prefix/auth/userpass", {});
      expect(await sm.getSecret(name, { vault: "v" })).toBe("before");
      const tokens = async () => (await bao.api("LIST", "auth/token/accessors")).data.keys.length;
      const count = await tokens();
      const denied = await open({ auth: "userpass", username: "alice", passwordEnv: "SM_TEST_BAO_PASSWORD", mount: "plain", kvVersion: 2 });
      await expect(denied.getSecret("x", { vault: "v" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      await expect(denied.getSecret("y", { vault: "v" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      // The second vault logged in once; the refused calls made no further logins.
      expect(await tokens()).toBe(count + 1);
    } finally {
      delete process.env.SM_TEST_BAO_PASSWORD;
    }
  });

  it("asks for the userpass password on a terminal, and says PASSWORD_REQUIRED where there is none", async () => {
    const sm = await open({ auth: "userpass", username: "alice" });
    await expect(sm.getSecret("x", { vault: "v" })).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
  });

  it("sends the namespace (X-Vault-Namespace) so secrets land in that namespace's mount", async () => {
    await bao.api("POST", "sys/namespaces/team", {});
    const inTeam = (method: string, path: string, body?: unknown) =>
      fetch(`${bao.address}/v1/${path}`, {
        method,
        headers: { "x-vault-token": bao.rootToken, "x-vault-namespace": "team" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await inTeam("POST", "sys/mounts/secret", { type: "kv", options: { version: "2" } })).ok).toBe(true);
    const saved = process.env.VAULT_TOKEN;
    process.env.VAULT_TOKEN = bao.rootToken;
    const name = unique("ns");
    try {
      const sm = await open({ namespace: "team" });
      await sm.setSecret(name, "in team", { vault: "v" });
    } finally {
      if (saved === undefined) delete process.env.VAULT_TOKEN;
      else process.env.VAULT_TOKEN = saved;
    }
    const stored = await (await inTeam("GET", `secret/data/${name}`)).json();
    expect(stored.data.data).toEqual({ value: "in team" });
    await expect(bao.api("GET", `secret/data/${name}`)).rejects.toThrow(/HTTP 404/);
  });

  it("reports a write a read-only policy forbids as PERMISSION_DENIED naming the path", async () => {
    const name = unique("readonly");
    await bao.api("POST", `secret/data/${name}`, { data: { value: "kept" } });
    const dir = mkdtempSync(join(tmpdir(), "sm-token-"));
    writeFileSync(join(dir, "token"), readOnlyToken, { mode: 0o600 });
    const sm = await open({ tokenFile: join(dir, "token"), kvVersion: 2 });
    expect(await sm.getSecret(name, { vault: "v" })).toBe("kept");
    const error = await sm.setSecret(name, "changed", { vault: "v" }).catch((e) => e);
    expect(error).toMatchObject({ code: "PERMISSION_DENIED", vault: "v" });
    expect(error.message).toContain(`secret/data/${name}`);
    expect(error.message).not.toContain("changed");
    expect(await sm.getSecret(name, { vault: "v" })).toBe("kept");
  });

  it("refuses bad parameters at registration with INVALID_ARGUMENT, and secrets in parameters", async () => {
    const sm = await SecretManagement.open({ home: tempHome("vault-bad") });
    const address = "http://127.0.0.1:1";
    const cases: VaultParameters[] = [
      { address, token: "s.x" },
      { address, password: "x" },
      { address, adress: "typo" },
      { address, kvVersion: 3 },
      { address, auth: "ldap" },
      { address, timeout: -1 },
      { address, timeout: 0 },
      { address, timeout: "soon" },
      { address, maxConcurrent: 0 },
      { address, maxConcurrent: 2.5 },
      { address, destroy: "yes" },
      { address: "127.0.0.1:8200" },
      { address, mount: "a//b" },
      { address, auth: "userpass" },
    ];
    for (const parameters of cases) {
      await expect(sm.registerVault("bad", "hashicorp-vault", { parameters })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
    const unknown = await sm.registerVault("bad", "hashicorp-vault", { parameters: { address, adress: "typo" } }).catch((e) => e);
    expect(unknown.message).toMatch(/unknown parameter adress \(known: address, mount, .*timeout, maxConcurrent, destroy\)/);
    const secret = await sm.registerVault("bad", "hashicorp-vault", { parameters: { address, token: "s.leaked" } }).catch((e) => e);
    expect(secret.message).toContain("use VAULT_TOKEN/BAO_TOKEN or tokenFile");
    expect(secret.message).not.toContain("s.leaked");
    await sm.registerVault("tuned", "hashicorp-vault", { parameters: { address, timeout: 2.5, maxConcurrent: "4" } });
    expect((await sm.getVaults("tuned"))[0]!.parameters).toEqual({ address, timeout: 2.5, maxConcurrent: "4" });
  });

  it("says which variable to set when there is no token", async () => {
    const saved = { VAULT_TOKEN: process.env.VAULT_TOKEN, BAO_TOKEN: process.env.BAO_TOKEN };
    delete process.env.VAULT_TOKEN;
    delete process.env.BAO_TOKEN;
    try {
      const sm = await open({});
      const error = await sm.getSecret("x", { vault: "v" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PASSWORD_REQUIRED" });
      expect(error.message).toContain("VAULT_TOKEN");
    } finally {
      for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
    }
  });

  it("reports a server nobody listens on as VAULT_UNAVAILABLE", async () => {
    const port = await freePort();
    process.env.VAULT_TOKEN ??= "unused";
    const sm = await SecretManagement.open({ home: tempHome("vault-down"), onVaultError: () => {} });
    await sm.registerVault("down", "hashicorp-vault", {
      parameters: { address: `http://127.0.0.1:${port}`, kvVersion: 2, timeout: 2 },
    });
    await expect(sm.getSecret("x", { vault: "down" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "down" });
  });
});

describe("hashicorp-vault when the server stops mid-run", () => {
  it("reports the failed write as VAULT_UNAVAILABLE, and the earlier writes survive a restart", async () => {
    const server = await startDiskBackedOpenBao();
    const saved = process.env.VAULT_TOKEN;
    process.env.VAULT_TOKEN = server.rootToken;
    try {
      const sm = await SecretManagement.open({ home: tempHome("vault-outage"), onVaultError: () => {} });
      await sm.registerVault("v", "hashicorp-vault", { parameters: { address: server.address, timeout: 2 } });
      for (let i = 0; i < 10; i++) await sm.setSecret(`before-${i}`, `value ${i}`, { vault: "v", metadata: { i } });
      await server.halt();
      await expect(sm.setSecret("during", "lost?", { vault: "v" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      await expect(sm.getSecret("before-0", { vault: "v" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      await server.restart();
      for (let i = 0; i < 10; i++) expect(await sm.getSecret(`before-${i}`, { vault: "v" })).toBe(`value ${i}`);
      expect((await sm.getSecretInfo("before-*", { vault: "v" })).map((info) => info.metadata.i)).toEqual(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      await expect(sm.getSecret("during", { vault: "v" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    } finally {
      if (saved === undefined) delete process.env.VAULT_TOKEN;
      else process.env.VAULT_TOKEN = saved;
      await server.stop();
    }
  });
});
