/**
 * Errors from one catalogue (core/errors.ts) and one rule: the manager, never the extension,
 * attaches the vault, so an error reads `vault "x": …` with `error.vault === "x"` whichever vault
 * raised it and whatever `vault` the extension set. Also the one HTTP status mapping (core/http.ts).
 */
import { describe, expect, it } from "vitest";
import { secretExists, secretNotFound, storeCorrupt } from "../core/errors.ts";
import { errorCodeForStatus, HttpStatusError, httpStatusOf, statusError } from "../core/http.ts";
import { defineVault, SecretManagement, SecretManagementError, type VaultExtension } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

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
