/**
 * Errors from one catalogue (core/errors.ts) and one rule: the manager, never the extension,
 * attaches the vault, so an error reads `vault "x": …` with `error.vault === "x"` whichever vault
 * raised it and whatever `vault` the extension set. Also the one HTTP status mapping (core/http.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretExists, secretNotFound, storeCorrupt } from "../core/errors.ts";
import { errorCodeForStatus, HttpStatusError, httpStatusOf, statusError } from "../core/http.ts";
import { sealSecrets } from "../core/sealed.ts";
import { defineVault, SecretManagement, SecretManagementError, type VaultExtension } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { createKdbx4, PASSWORD as KEEPASS_PASSWORD } from "./helpers/keepassxc.ts";
import { type KeyringSession, startKeyringSession } from "./helpers/keyring-session.ts";

/** A vault whose every call throws what `fail` makes (with the context, to resolve references). */
function failingVault(fail: (resolve: (reference: string) => Promise<unknown>) => Promise<never>) {
  return defineVault((context): VaultExtension => ({
    capabilities: { metadata: false, types: ["string"], persistent: false },
    getSecret: () => fail(context.resolveReference),
    setSecret: () => fail(context.resolveReference),
    removeSecret: () => fail(context.resolveReference),
    getSecretInfo: () => fail(context.resolveReference),
    test: () => Promise.resolve(true),
  }));
}

/** A vault that holds nothing and has no setSecretInfo of its own. */
function emptyVault(metadata: boolean): VaultExtension {
  return {
    capabilities: { metadata, types: ["string"], persistent: false },
    getSecret: () => Promise.resolve(undefined),
    setSecret: () => Promise.resolve(),
    removeSecret: () => Promise.resolve(),
    getSecretInfo: () => Promise.resolve([]),
    test: () => Promise.resolve(true),
  };
}

async function open() {
  return await SecretManagement.open({ home: tempHome("catalogue"), onVaultError: () => {} });
}

describe("the error catalogue", () => {
  it("words each common error once", () => {
    expect(secretNotFound("db")).toMatchObject({ code: "SECRET_NOT_FOUND", message: 'no secret named "db"', vault: undefined });
    expect(secretNotFound("db", { vault: "team" })).toMatchObject({ message: 'no secret named "db" in vault "team"', vault: "team" });
    expect(secretNotFound("db", { where: "at secret/app/db" }).message).toBe('no secret named "db" at secret/app/db');
    expect(secretExists("db")).toMatchObject({ code: "SECRET_EXISTS", message: 'a secret named "db" already exists' });
    expect(storeCorrupt("the sealed store", "it is too short")).toMatchObject({
      code: "STORE_CORRUPT",
      message: "the sealed store is damaged: it is too short",
    });
  });

  it("maps HTTP statuses to codes once, keeping the answer as the cause", () => {
    const table = { 400: "INVALID_ARGUMENT", 401: "PERMISSION_DENIED", 403: "PERMISSION_DENIED", 404: "SECRET_NOT_FOUND" };
    for (const [status, code] of Object.entries(table)) expect(errorCodeForStatus(Number(status))).toBe(code);
    expect(errorCodeForStatus(409)).toBe("SECRET_EXISTS");
    for (const status of [429, 500, 502, 503]) expect(errorCodeForStatus(status)).toBe("VAULT_UNAVAILABLE");
    const answer = new HttpStatusError(400, "GetSecretValue", { serverCode: "ResourceNotFoundException", errors: ["gone"] });
    const error = statusError(answer, "AWS said no", "SECRET_NOT_FOUND");
    expect(error).toMatchObject({ code: "SECRET_NOT_FOUND", message: "AWS said no", vault: undefined });
    expect(httpStatusOf(error)).toBe(answer);
    expect(answer.message).toBe("gone");
    expect(httpStatusOf(new SecretManagementError("IO_ERROR", "x"))).toBeUndefined();
  });
});

describe("the manager attaches the vault", () => {
  it("the same error reads the same from a built-in vault and from one that set vault itself", async () => {
    const sm = await open();
    await sm.registerVault("mem", "memory");
    await sm.registerVault("self", failingVault(() => Promise.reject(secretExists("db"))));
    await sm.registerVault("wrong", failingVault(() => Promise.reject(new SecretManagementError("SECRET_EXISTS", 'a secret named "db" already exists', { vault: "elsewhere" }))));
    await sm.setSecret("db", "v", { vault: "mem" });
    const fromMemory = await sm.setSecret("db", "w", { vault: "mem", noClobber: true }).catch((e) => e);
    expect(fromMemory).toMatchObject({ code: "SECRET_EXISTS", vault: "mem", message: 'vault "mem": a secret named "db" already exists' });
    const fromSelf = await sm.setSecret("db", "w", { vault: "self" }).catch((e) => e);
    expect(fromSelf).toMatchObject({ code: "SECRET_EXISTS", vault: "self", message: 'vault "self": a secret named "db" already exists' });
    const fromWrong = await sm.setSecret("db", "w", { vault: "wrong" }).catch((e) => e);
    expect(fromWrong).toMatchObject({ code: "SECRET_EXISTS", vault: "wrong", message: 'vault "wrong": a secret named "db" already exists' });
    const removed = await sm.removeSecret("nothing", { vault: "mem" }).catch((e) => e);
    expect(removed).toMatchObject({ code: "SECRET_NOT_FOUND", vault: "mem", message: 'vault "mem": no secret named "nothing"' });
  });

  it("an error met resolving a reference into another vault is the calling vault's, naming the other in its text", async () => {
    const sm = await open();
    await sm.registerVault("inner", "memory");
    await sm.registerVault("outer", failingVault(async (resolve) => {
      await resolve("secret://inner/token");
      throw new Error("unreachable");
    }));
    const error = await sm.getSecret("x", { vault: "outer" }).catch((e) => e);
    expect(error).toMatchObject({ code: "SECRET_NOT_FOUND", vault: "outer" });
    expect(error.message).toBe('vault "outer": no secret named "token" in vault "inner"');
  });

  it("the manager's own errors, which name the vault already, are not prefixed twice", async () => {
    const sm = await open();
    await sm.registerVault("mem", "memory");
    const error = await sm.getSecret("absent", { vault: "mem" }).catch((e) => e);
    expect(error).toMatchObject({ code: "SECRET_NOT_FOUND", vault: "mem", message: 'no secret named "absent" in vault "mem"' });
  });
});

describe("a vault's factory fails: the error carries the vault too", () => {
  /** A vault whose factory runs fine `succeeding` times, then throws what `fail` makes. */
  function vaultFailingToStart(fail: () => unknown, succeeding = 0) {
    let runs = 0;
    return defineVault((): VaultExtension => {
      if (runs++ >= succeeding) throw fail();
      return emptyVault(false);
    });
  }
  const plain = () => new Error("no configuration found");
  const withoutVault = () => new SecretManagementError("INVALID_ARGUMENT", "parameter region is missing");
  const started = { code: "INVALID_EXTENSION", vault: "boom", message: 'vault "boom": extension "(module object)" failed to start: no configuration found' };
  const refused = { code: "INVALID_ARGUMENT", vault: "boom", message: 'vault "boom": parameter region is missing' };

  it("at registration", async () => {
    const sm = await open();
    expect(await sm.registerVault("boom", vaultFailingToStart(plain)).catch((e) => e)).toMatchObject(started);
    expect(await sm.registerVault("boom", vaultFailingToStart(withoutVault)).catch((e) => e)).toMatchObject(refused);
    const builtin = await sm.registerVault("e", "env", { parameters: { bogus: 1 } }).catch((e) => e);
    expect(builtin).toMatchObject({ code: "INVALID_ARGUMENT", vault: "e", message: 'vault "e": unknown parameter bogus (known: prefix)' });
    expect(await sm.getVaults()).toEqual([]);
  });

  it("at first use: a named vault, a search, a write, its extension", async () => {
    for (const [fail, expected] of [[plain, started], [withoutVault, refused]] as const) {
      const sm = await open();
      await sm.registerVault("boom", vaultFailingToStart(fail, 1), { default: true });
      expect(await sm.getSecret("x", { vault: "boom" }).catch((e) => e)).toMatchObject(expected);
      expect(await sm.getSecret("x").catch((e) => e)).toMatchObject(expected);
      expect(await sm.setSecret("x", "v").catch((e) => e)).toMatchObject(expected);
      expect(await sm.getVaultExtension("boom").catch((e) => e)).toMatchObject(expected);
    }
  });

  it("a registration vaults.json holds that no longer starts, through the library and the CLI", async () => {
    const home = tempHome("catalogue-file");
    const registry = { version: 1, defaultVault: "e", vaults: { e: { module: "env", parameters: { bogus: 1 }, description: "" } } };
    writeFileSync(join(home, "vaults.json"), JSON.stringify(registry), { mode: 0o600 });
    const sm = await SecretManagement.open({ home, onVaultError: () => {} });
    const expected = { code: "INVALID_ARGUMENT", vault: "e", message: 'vault "e": unknown parameter bogus (known: prefix)' };
    expect(await sm.getSecret("x", { vault: "e" }).catch((e) => e)).toMatchObject(expected);
    expect(await sm.getSecret("x").catch((e) => e)).toMatchObject(expected);
    const cli = secret("node", home, ["get", "x", "--vault", "e"]);
    expect(cli).toMatchObject({ status: 1, stderr: 'secret: vault "e": unknown parameter bogus (known: prefix)\n' });
  });
});

describe("a missing secret reads the same from every vault that runs on this machine", () => {
  let keyring: KeyringSession;
  const saved: Record<string, string | undefined> = {};
  const dir = tempHome("catalogue-vaults");
  const vaults: { name: string; module: string; parameters?: Record<string, string>; password?: string }[] = [
    { name: "mem", module: "memory" },
    { name: "environment", module: "env", parameters: { prefix: "SM_CATALOGUE" } },
    { name: "store", module: "secretstore", parameters: { path: join(dir, "store"), authentication: "none" } },
    { name: "snapshot", module: "sealed", parameters: { path: join(dir, "snapshot.sealed"), keyEnv: "SM_CATALOGUE_SEALED_KEY" } },
    { name: "kp", module: "keepass", parameters: { path: join(dir, "db.kdbx") }, password: KEEPASS_PASSWORD },
    { name: "lp", module: "lastpass", parameters: { username: "user@example.com" } },
    { name: "kr", module: "os-keyring", parameters: { service: `sm-catalogue-${process.pid}` } },
  ];

  beforeAll(async () => {
    keyring = await startKeyringSession();
    mkdirSync(join(dir, "store"), { mode: 0o700 });
    await createKdbx4(join(dir, "db.kdbx"), "Argon2id");
    const sealed = sealSecrets([{ name: "present", value: "v" }]);
    writeFileSync(join(dir, "snapshot.sealed"), sealed.bytes);
    const env = {
      DBUS_SESSION_BUS_ADDRESS: keyring.busAddress,
      SM_CATALOGUE_SEALED_KEY: sealed.key,
      SM_CATALOGUE_PRESENT: "v",
      PATH: `${resolve("test/fixtures/lastpass")}:${process.env.PATH}`,
      FAKE_LPASS_STATE: join(dir, "lpass-state.json"),
      FAKE_LPASS_LOG: join(dir, "lpass-calls.log"),
    };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  }, 30_000);

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await keyring?.stop();
  });

  it("get, remove and setSecretInfo: SECRET_NOT_FOUND with the vault, in the same words", async () => {
    const sm = await open();
    for (const { name, module, parameters, password } of vaults) {
      await sm.registerVault(name, module, { parameters });
      if (password !== undefined) await sm.unlockVault(name, password);
      const { capabilities } = await sm.getVaultExtension(name);
      if (!capabilities.readOnly) await sm.setSecret("present", "v", { vault: name });
      expect(await sm.getSecret("present", { vault: name })).toBe("v");

      const read = await sm.getSecret("absent", { vault: name }).catch((e) => e);
      expect(read).toMatchObject({ code: "SECRET_NOT_FOUND", vault: name, message: `no secret named "absent" in vault "${name}"` });
      if (capabilities.readOnly) continue;
      const changes = [sm.removeSecret("absent", { vault: name })];
      if (capabilities.metadata) changes.push(sm.setSecretInfo("absent", { a: "b" }, { vault: name }));
      for (const change of changes) {
        const error = await change.catch((e) => e);
        expect(error, module).toBeInstanceOf(SecretManagementError);
        expect(error, module).toMatchObject({ code: "SECRET_NOT_FOUND", vault: name, message: `vault "${name}": no secret named "absent"` });
      }
    }
    const searched = await sm.getSecret("absent").catch((e) => e);
    expect(searched).toMatchObject({ code: "SECRET_NOT_FOUND", vault: undefined, message: 'no secret named "absent" in any vault' });
  });

  it("a vault without its own setSecretInfo reads as one with it", async () => {
    const sm = await open();
    await sm.registerVault("plain", defineVault(() => emptyVault(true)));
    const error = await sm.setSecretInfo("absent", { a: "b" }, { vault: "plain" }).catch((e) => e);
    expect(error).toMatchObject({ code: "SECRET_NOT_FOUND", vault: "plain", message: 'vault "plain": no secret named "absent"' });
  });
});
