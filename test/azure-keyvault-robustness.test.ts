/**
 * azure-keyvault: parameters checked at registration (no secret in them, none echoed), the `timeout`
 * and `maxConcurrent` parameters, writes checked before any request (a failed write never recovers a
 * soft-deleted value), listings that stop on looping `nextLink`s, and capped error bodies. Against
 * the Key Vault fixture (test/fixtures/azure), or a scripted local server where the fixture would
 * have to misbehave.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import type { VaultParameters } from "../core/types.ts";
import { secret } from "./helpers/cli.ts";
import { streamHugeBody } from "./helpers/fake-server.ts";
import { tempHome } from "./helpers/home.ts";
import { type KeyVaultFixture, startKeyVaultFixture } from "./fixtures/azure/keyvault-fixture.ts";

const CLIENT_SECRET = "fixture-client-secret";
let fixture: KeyVaultFixture;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  fixture = await startKeyVaultFixture({ clientSecret: CLIENT_SECRET });
  for (const [key, value] of Object.entries({ TEST_AZURE_CLIENT_SECRET: CLIENT_SECRET, IDENTITY_ENDPOINT: undefined, IDENTITY_HEADER: undefined })) {
    savedEnv[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await fixture?.stop();
});

const parametersFor = (f: KeyVaultFixture): VaultParameters => ({
  vaultUrl: f.url,
  tenantId: "tenant-1",
  clientId: "client-1",
  authorityHost: f.authorityHost,
  clientSecretEnv: "TEST_AZURE_CLIENT_SECRET",
});

const open = (label: string) => SecretManagement.open({ home: tempHome(label), onVaultError: () => {} });

/** The error a promise rejects with (the test fails when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

/**
 * A scripted stand-in for a misbehaving Key Vault: a managed-identity token endpoint at /token that
 * answers, and `answer` for every other request.
 */
async function scriptedVault(answer: (request: IncomingMessage, response: ServerResponse, base: string) => void) {
  const vaultRequests: string[] = [];
  let base = "";
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.url?.startsWith("/token")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ access_token: "scripted-token", expires_in: 3600, token_type: "Bearer" }));
        return;
      }
      vaultRequests.push(`${request.method} ${request.url}`);
      answer(request, response, base);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    parameters: { vaultUrl: base, auth: "managed-identity", imdsEndpoint: `${base}/token` } as VaultParameters,
    vaultRequests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("azure-keyvault parameters are checked at registration", () => {
  it("refuses a literal clientSecret without echoing it, and stores nothing", async () => {
    const sm = await open("azure-literal");
    const { clientSecretEnv: _, ...rest } = parametersFor(fixture);
    const error = await failure(sm.registerVault("a", "azure-keyvault", { parameters: { ...rest, clientSecret: "canary-client-secret" } }));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(error.message).toContain("secret://");
    expect(`${error.message} ${error.stack}`).not.toContain("canary");
    expect(await sm.getVaults()).toEqual([]);
  });

  it("refuses it through the CLI too, with and without --debug", () => {
    for (const debug of [[], ["--debug"]]) {
      const home = tempHome("azure-literal-cli");
      const result = secret("node", home, [
        ...debug,
        "vault",
        "register",
        "a",
        "azure-keyvault",
        "--param",
        `vaultUrl=${fixture.url}`,
        "--param",
        "clientSecret=canary-client-secret",
      ]);
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).not.toContain("canary");
      const registry = join(home, "vaults.json");
      if (existsSync(registry)) expect(readFileSync(registry, "utf8")).not.toContain("canary");
    }
  });

  it("refuses secret-bearing and unknown parameters, listing the known ones", async () => {
    const sm = await open("azure-params");
    const secretKey = await failure(sm.registerVault("a", "azure-keyvault", {
      parameters: { ...parametersFor(fixture), client_secret: "canary-value" },
    }));
    expect(secretKey).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(secretKey.message).toContain("AZURE_CLIENT_SECRET");
    expect(secretKey.message).not.toContain("canary");
    const unknown = await failure(sm.registerVault("b", "azure-keyvault", { parameters: { ...parametersFor(fixture), tenant: "t" } }));
    expect(unknown.message).toContain("unknown parameter tenant");
    expect(unknown.message).toContain("tenantId");
    expect(unknown.message).toContain("timeout");
    const wrong: VaultParameters[] = [{ timeout: 0 }, { maxConcurrent: 1.5 }, { purge: "yes" }, { vaultUrl: "not a url" }];
    for (const parameters of wrong) {
      await expect(sm.registerVault("c", "azure-keyvault", { parameters: { ...parametersFor(fixture), ...parameters } }))
        .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    expect(await sm.getVaults()).toEqual([]);
    await sm.registerVault("ok", "azure-keyvault", { parameters: { ...parametersFor(fixture), timeout: "2", maxConcurrent: 4 } });
    expect(await sm.testVault("ok")).toBe(true);
  });
});

describe("azure-keyvault writes: checked first, and a failed one changes nothing", () => {
  let sm: SecretManagement;
  beforeAll(async () => {
    sm = await open("azure-writes");
    await sm.registerVault("kv", "azure-keyvault", { parameters: parametersFor(fixture) });
  });

  it("refuses 16 metadata entries before any request, so a soft-deleted value stays deleted", async () => {
    await sm.setSecret("resurrect", "old-value", { vault: "kv" });
    await sm.removeSecret("resurrect", { vault: "kv" });
    const before = fixture.requests.length;
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    await expect(sm.setSecret("resurrect", "new-value", { vault: "kv", metadata })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(fixture.requests.length).toBe(before);
    await expect(sm.getSecret("resurrect", { vault: "kv" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(await sm.getSecretInfo("resurrect", { vault: "kv" })).toEqual([]);
  });

  it("refuses values and tags over Key Vault's limits before any request", async () => {
    const before = fixture.requests.length;
    await expect(sm.setSecret("big", "x".repeat(25 * 1024 + 1), { vault: "kv" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.setSecret("long-tag", "x", { vault: "kv", metadata: { k: "v".repeat(300) } }))
      .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.setSecret("x".repeat(128), "x", { vault: "kv" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(fixture.requests.length).toBe(before);
  });

  it("deletes a recovered secret again when the write after the recovery fails", async () => {
    await sm.setSecret("phoenix", "old-value", { vault: "kv" });
    await sm.removeSecret("phoenix", { vault: "kv" });
    let puts = 0;
    fixture.failWhen((method, path) => method === "PUT" && path === "/secrets/phoenix" && ++puts === 2, 403);
    await expect(sm.setSecret("phoenix", "new-value", { vault: "kv" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    expect(fixture.requests.some((r) => r.method === "POST" && r.path.startsWith("/deletedsecrets/phoenix/recover"))).toBe(true);
    await expect(sm.getSecret("phoenix", { vault: "kv" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await sm.setSecret("phoenix", "newer-value", { vault: "kv" });
    expect(await sm.getSecret("phoenix", { vault: "kv" })).toBe("newer-value");
  });
});

describe("azure-keyvault against a misbehaving server", () => {
  it("stops a listing whose nextLink repeats, with VAULT_UNAVAILABLE", async () => {
    const vault = await scriptedVault((_request, response, base) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({
        value: [{ id: `${base}/secrets/loop`, contentType: "text/plain" }],
        nextLink: `${base}/secrets?api-version=7.5&$skiptoken=same&maxresults=25`,
      }));
    });
    try {
      const sm = await open("azure-loop");
      await sm.registerVault("loop", "azure-keyvault", { parameters: vault.parameters });
      const error = await failure(sm.getSecretInfo("*", { vault: "loop" }));
      expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(vault.vaultRequests.length).toBeLessThanOrEqual(3);
    } finally {
      await vault.close();
    }
  });

  it("gives up on a vault that never answers with VAULT_UNAVAILABLE after a bounded number of attempts", async () => {
    const vault = await scriptedVault(() => {
      // Never answers.
    });
    try {
      const sm = await open("azure-hang");
      await sm.registerVault("hang", "azure-keyvault", { parameters: { ...vault.parameters, timeout: 1 } });
      await expect(sm.getSecret("x", { vault: "hang" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "hang" });
      expect(vault.vaultRequests.length).toBeGreaterThanOrEqual(1);
      expect(vault.vaultRequests.length).toBeLessThanOrEqual(4);
      vault.vaultRequests.length = 0;
      // A write whose outcome is unknown is never sent twice.
      await expect(sm.setSecretInfo("x", { a: 1 }, { vault: "hang" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(vault.vaultRequests).toHaveLength(1);
    } finally {
      await vault.close();
    }
  }, 30_000);

  it("keeps at most maxConcurrent requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const vault = await scriptedVault((_request, response) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { code: "SecretNotFound", message: "not found" } }));
      }, 30);
    });
    try {
      const sm = await open("azure-cap");
      await sm.registerVault("cap", "azure-keyvault", { parameters: { ...vault.parameters, maxConcurrent: 2 } });
      const extension = await sm.getVaultExtension("cap");
      const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
      expect(await Promise.all(names.map((name) => extension.getSecret(name)))).toEqual(names.map(() => undefined));
      expect(vault.vaultRequests).toHaveLength(8);
      expect(peak).toBe(2);
    } finally {
      await vault.close();
    }
  });

  it("reads only the start of a huge error body", async () => {
    const sent: number[] = [];
    const vault = await scriptedVault((_request, response) => {
      const index = sent.push(0) - 1;
      response.writeHead(500, { "content-type": "application/json" });
      void streamHugeBody(response, 200 * 1024 * 1024, (n) => (sent[index]! += n));
    });
    try {
      const sm = await open("azure-huge");
      await sm.registerVault("huge", "azure-keyvault", { parameters: vault.parameters });
      await expect(sm.getSecret("x", { vault: "huge" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(sent.length).toBeGreaterThanOrEqual(1);
      for (const bytes of sent) expect(bytes).toBeLessThan(50 * 1024 * 1024);
    } finally {
      await vault.close();
    }
  }, 30_000);
});
