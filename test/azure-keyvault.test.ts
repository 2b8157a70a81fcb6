/**
 * azure-keyvault against a local fixture of Key Vault's REST API and identity endpoints
 * (test/fixtures/azure): no Azure endpoint is reachable here, so this is all it is verified against.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { CONTENT_TYPES } from "../extensions/azure-keyvault/mod.ts";
import { BYTES_ALL, testVaultContract } from "./helpers/contract.ts";
import { roundTripSource, runCloudWorker, runConsoleExamples, runSourceOn } from "./helpers/console-examples.ts";
import { tempHome } from "./helpers/home.ts";
import { clientSecretParameters, type KeyVaultFixture, startKeyVaultFixture } from "./fixtures/azure/keyvault-fixture.ts";

const CLIENT_SECRET = "fixture-client-secret";
const fixtureReady = startKeyVaultFixture({ clientSecret: CLIENT_SECRET });
let fixture: KeyVaultFixture;
beforeAll(async () => {
  fixture = await fixtureReady;
});
afterAll(async () => {
  await (await fixtureReady).stop();
});

testVaultContract("azure-keyvault (local fixture)", async () => {
  const f = await fixtureReady;
  return { module: "azure-keyvault", parameters: clientSecretParameters(f), env: { TEST_AZURE_CLIENT_SECRET: CLIENT_SECRET } };
});

function withEnv(env: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

describe("azure-keyvault against the fixture", () => {
  let sm: SecretManagement;
  let restore: () => void;
  const vault = "kv";

  beforeAll(async () => {
    restore = withEnv({ TEST_AZURE_CLIENT_SECRET: CLIENT_SECRET, IDENTITY_ENDPOINT: undefined, IDENTITY_HEADER: undefined });
    sm = await SecretManagement.open({ home: tempHome("azure"), onVaultError: () => {} });
    await sm.registerVault(vault, "azure-keyvault", { parameters: clientSecretParameters(fixture) });
  });
  afterAll(() => restore());

  it("stores bytes as base64 text and records each type in contentType", async () => {
    await sm.setSecret("bytes-all", BYTES_ALL, { vault, metadata: { size: 256 } });
    const stored = fixture.stored("bytes-all")!;
    expect(stored.value).toBe(Buffer.from(BYTES_ALL).toString("base64"));
    expect(stored.contentType).toBe(CONTENT_TYPES.bytes);
    expect(stored.tags).toEqual({ size: "n:256" });
    await sm.setSecret("cred", { username: "u", password: "p" }, { vault });
    expect(JSON.parse(fixture.stored("cred")!.value)).toEqual({ username: "u", password: "p" });
    expect(fixture.stored("cred")!.contentType).toBe(CONTENT_TYPES.credential);
  });

  it("refuses names outside ^[0-9a-zA-Z-]+$ with INVALID_ARGUMENT, sending nothing", async () => {
    const before = fixture.requests.length;
    for (const name of ["has_underscore", "has.dot", "space name", "ümlaut", "slash/name"]) {
      await expect(sm.setSecret(name, "x", { vault })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    expect(fixture.requests.length).toBe(before);
    await expect(sm.getSecret("has_underscore", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("follows nextLink over several pages", async () => {
    for (let i = 0; i < 60; i++) await sm.setSecret(`page-${String(i).padStart(2, "0")}`, "v", { vault });
    const before = fixture.requests.length;
    const names = (await sm.getSecretInfo("page-*", { vault })).map((info) => info.name);
    expect(names).toHaveLength(60);
    const pages = fixture.requests.slice(before).filter((r) => r.method === "GET" && r.path.startsWith("/secrets?"));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.some((r) => r.path.includes("$skiptoken="))).toBe(true);
  });

  it("retries a 429 after the Retry-After it names", async () => {
    await sm.setSecret("throttled", "value", { vault });
    fixture.failNext(1, 429, 1);
    const started = Date.now();
    expect(await sm.getSecret("throttled", { vault })).toBe("value");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("retries 5xx, and reports a vault that keeps failing as VAULT_UNAVAILABLE", async () => {
    fixture.failNext(2, 503, 0);
    expect(await sm.getSecret("throttled", { vault })).toBe("value");
    fixture.failNext(10, 503, 0);
    await expect(sm.getSecret("throttled", { vault })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
    fixture.failNext(0, 0);
  });

  it("caches the token, and fetches a new one once when the vault rejects it", async () => {
    const issued = fixture.tokensIssued();
    await sm.getSecret("throttled", { vault });
    await sm.getSecretInfo("throttled", { vault });
    expect(fixture.tokensIssued()).toBe(issued);
    fixture.revokeTokens();
    expect(await sm.getSecret("throttled", { vault })).toBe("value");
    expect(fixture.tokensIssued()).toBe(issued + 1);
  });

  it("soft-deletes, can set the name again (recovering it), and purges when asked", async () => {
    await sm.setSecret("soft", "one", { vault, metadata: { old: true } });
    await sm.removeSecret("soft", { vault });
    await expect(sm.getSecret("soft", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await sm.setSecret("soft", "two", { vault, noClobber: true });
    expect(await sm.getSecret("soft", { vault })).toBe("two");
    await sm.registerVault("kv-purge", "azure-keyvault", { parameters: { ...clientSecretParameters(fixture), purge: true } });
    await sm.removeSecret("soft", { vault: "kv-purge" });
    const purges = fixture.requests.filter((r) => r.method === "DELETE" && r.path.startsWith("/deletedsecrets/soft"));
    expect(purges.length).toBe(1);
    await sm.setSecret("soft", "three", { vault: "kv-purge" });
    expect(fixture.requests.some((r) => r.method === "POST" && r.path.startsWith("/deletedsecrets/soft/recover"))).toBe(true);
    expect(await sm.getSecretInfo("soft", { vault })).toEqual([{ name: "soft", type: "string", vault, metadata: {} }]);
  });

  it("reads a secret written by another tool (no contentType, foreign tags) as a string with string metadata", async () => {
    const token = await (await fetch(`${fixture.imdsEndpoint}?resource=https://vault.azure.net`, { headers: { metadata: "true" } })).json();
    await fetch(`${fixture.url}/secrets/foreign?api-version=7.5`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ value: "plain", tags: { env: "prod" } }),
    });
    expect(await sm.getSecret("foreign", { vault })).toBe("plain");
    expect(await sm.getSecretInfo("foreign", { vault })).toEqual([{ name: "foreign", type: "string", vault, metadata: { env: "prod" } }]);
    await sm.setSecret("foreign", "rotated", { vault });
    expect(fixture.stored("foreign")!.tags).toEqual({ env: "prod" });
  });

  it("reports a wrong client secret as PERMISSION_DENIED without the secret", async () => {
    const restoreEnv = withEnv({ TEST_AZURE_CLIENT_SECRET: "not-the-secret" });
    try {
      const other = await SecretManagement.open({ home: tempHome("azure-bad"), onVaultError: () => {} });
      await other.registerVault("bad", "azure-keyvault", { parameters: clientSecretParameters(fixture) });
      const error = await other.getSecret("throttled", { vault: "bad" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(error.message).toContain("AADSTS7000215");
      expect(error.message).not.toContain("not-the-secret");
      expect(await other.testVault("bad")).toBe(false);
    } finally {
      restoreEnv();
    }
  });

  it("reports a token the vault keeps refusing as PERMISSION_DENIED, after fetching a new one once", async () => {
    const other = await startKeyVaultFixture();
    try {
      const sm2 = await SecretManagement.open({ home: tempHome("azure-foreign"), onVaultError: () => {} });
      // Tokens from another identity endpoint: this vault does not know them.
      await sm2.registerVault("foreign", "azure-keyvault", {
        parameters: { vaultUrl: fixture.url, auth: "managed-identity", imdsEndpoint: other.imdsEndpoint },
      });
      const error = await sm2.getSecret("throttled", { vault: "foreign" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(error.message).toContain("Unauthorized");
      expect(other.tokensIssued()).toBe(2);
    } finally {
      await other.stop();
    }
    const bare = await fetch(`${fixture.url}/secrets/throttled?api-version=7.5`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toContain("resource=");
    expect(await bare.json()).toMatchObject({ error: { code: "Unauthorized" } });
  });

  it("says which variable is missing when the client secret is not set", async () => {
    const restoreEnv = withEnv({ TEST_AZURE_CLIENT_SECRET: undefined });
    try {
      const other = await SecretManagement.open({ home: tempHome("azure-noenv"), onVaultError: () => {} });
      await other.registerVault("noenv", "azure-keyvault", { parameters: clientSecretParameters(fixture) });
      await expect(other.getSecret("x", { vault: "noenv" })).rejects.toMatchObject({
        code: "PASSWORD_REQUIRED",
        message: expect.stringContaining("TEST_AZURE_CLIENT_SECRET"),
      });
    } finally {
      restoreEnv();
    }
  });

  it("takes the client secret from a secret:// reference, and refuses a literal one", async () => {
    const other = await SecretManagement.open({ home: tempHome("azure-ref"), onVaultError: () => {} });
    await other.registerVault("mem", "memory");
    await other.setSecret("sp", CLIENT_SECRET, { vault: "mem" });
    const { clientSecretEnv: _, ...parameters } = clientSecretParameters(fixture);
    await other.registerVault("ref", "azure-keyvault", { parameters: { ...parameters, clientSecret: "secret://mem/sp" } });
    expect(await other.getSecret("throttled", { vault: "ref" })).toBe("value");
    await expect(other.registerVault("literal", "azure-keyvault", { parameters: { ...parameters, clientSecret: "plain-text" } }))
      .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("gets a token from App Service's IDENTITY_ENDPOINT, and from IMDS at an overridden address", async () => {
    const restoreEnv = withEnv({ IDENTITY_ENDPOINT: fixture.identityEndpoint, IDENTITY_HEADER: fixture.identityHeader });
    try {
      const other = await SecretManagement.open({ home: tempHome("azure-mi"), onVaultError: () => {} });
      await other.registerVault("mi", "azure-keyvault", { parameters: { vaultUrl: fixture.url, auth: "managed-identity" } });
      expect(await other.getSecret("throttled", { vault: "mi" })).toBe("value");
      expect(fixture.requests.some((r) => r.path.startsWith("/msi/token?api-version=2019-08-01&resource="))).toBe(true);
    } finally {
      restoreEnv();
    }
    const other = await SecretManagement.open({ home: tempHome("azure-imds"), onVaultError: () => {} });
    await other.registerVault("imds", "azure-keyvault", {
      parameters: { vaultUrl: fixture.url, auth: "managed-identity", imdsEndpoint: fixture.imdsEndpoint, clientId: "mi-client" },
    });
    expect(await other.getSecret("throttled", { vault: "imds" })).toBe("value");
    expect(fixture.requests.some((r) => r.path.includes("/metadata/identity/oauth2/token?") && r.path.includes("client_id=mi-client")))
      .toBe(true);
  });

  it("gets a token from `az account get-access-token`, and says to run az login when logged out", async () => {
    const log = join(tempHome("az"), "argv.log");
    const restoreEnv = withEnv({
      PATH: `${resolve("test/fixtures/azure")}:${process.env.PATH}`,
      FAKE_AZ_TOKEN_URL: fixture.imdsEndpoint,
      FAKE_AZ_LOG: log,
    });
    try {
      const other = await SecretManagement.open({ home: tempHome("azure-cli"), onVaultError: () => {} });
      await other.registerVault("cli", "azure-keyvault", { parameters: { vaultUrl: fixture.url, auth: "azure-cli", tenantId: "tenant-1" } });
      expect(await other.getSecret("throttled", { vault: "cli" })).toBe("value");
      expect(await other.getSecret("throttled", { vault: "cli" })).toBe("value");
      const calls = readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line));
      expect(calls).toEqual([
        ["account", "get-access-token", "--resource", "https://vault.azure.net", "--output", "json", "--tenant", "tenant-1"],
      ]);
      process.env.FAKE_AZ_LOGGED_OUT = "1";
      await other.registerVault("cli2", "azure-keyvault", { parameters: { vaultUrl: fixture.url, auth: "azure-cli" } });
      await expect(other.getSecret("throttled", { vault: "cli2" })).rejects.toMatchObject({
        code: "PERMISSION_DENIED",
        message: expect.stringContaining("az login"),
      });
    } finally {
      delete process.env.FAKE_AZ_LOGGED_OUT;
      restoreEnv();
    }
  });

  it("refuses bad parameters at registration", async () => {
    const other = await SecretManagement.open({ home: tempHome("azure-params"), onVaultError: () => {} });
    await expect(other.registerVault("a", "azure-keyvault", { parameters: {} })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(other.registerVault("b", "azure-keyvault", { parameters: { vaultName: "bad_name" } }))
      .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(other.registerVault("c", "azure-keyvault", { parameters: { vaultName: "ok-name", auth: "kerberos" } }))
      .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("sends values only in request bodies, never in URLs", () => {
    for (const request of fixture.requests) {
      expect(request.path).not.toContain(CLIENT_SECRET);
      expect(request.path).not.toContain("value");
    }
  });
});

describe("docs/azure-keyvault.md", () => {
  it("every console example prints what the page says, against the fixture", async () => {
    const { expected, actual } = await runConsoleExamples("docs/azure-keyvault.md", {
      KEYVAULT_URL: fixture.url,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
    });
    expect(expected.length).toBeGreaterThan(5);
    expect(actual).toEqual(expected);
  }, 120_000);
});

describe("azure-keyvault on Deno, Bun and workerd", () => {
  it("round-trips bytes and metadata against the fixture in workerd (edge entry)", async () => {
    const result = await runCloudWorker({
      MODULE: "azure-keyvault",
      PARAMETERS: JSON.stringify(clientSecretParameters(fixture)),
      TEST_AZURE_CLIENT_SECRET: CLIENT_SECRET,
    });
    expect(result).toEqual({ runtime: "web", same: true, type: "bytes", when: true });
  }, 60_000);

  for (const runtime of ["deno", "bun"] as const) {
    it(`round-trips bytes and metadata against the fixture on ${runtime}`, async () => {
      const source = roundTripSource(tempHome(`azure-${runtime}`), "azure-keyvault", clientSecretParameters(fixture));
      const result = await runSourceOn(runtime, source, { TEST_AZURE_CLIENT_SECRET: CLIENT_SECRET });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ same: true, type: "bytes", when: true });
    }, 60_000);
  }
});
