/**
 * No HTTP vault follows a redirect to another origin, on Node, Deno and Bun: a 307 to another port
 * (and, for hashicorp-vault, from https to http on the same host) is refused with VAULT_UNAVAILABLE
 * naming the target, and the target receives nothing — not the token (x-vault-token, a bearer token,
 * x-amz-security-token), not the client secret, not the value being written. Each vault is driven
 * through the public API (SecretManagement.open + registerVault) in a script run on each runtime; the
 * servers are test/helpers/fake-server.ts servers in this process.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Certificate, type FakeAnswer, type FakeServer, json, redirect, startFakeServer, testCertificate } from "./helpers/fake-server.ts";
import { modulePath, ROOT, RUNTIMES, runtimeCommand, type RuntimeName, runAsync } from "./helpers/runtimes.ts";

const VALUE = `redirected-value-${Math.random().toString(36).slice(2)}`;
const VAULT_TOKEN = `s.redirect-token-${Math.random().toString(36).slice(2)}`;
const AWS_SESSION_TOKEN = `aws-session-${Math.random().toString(36).slice(2)}`;
const AZURE_CLIENT_SECRET = `azure-secret-${Math.random().toString(36).slice(2)}`;
const CREDENTIALS = [VALUE, VAULT_TOKEN, AWS_SESSION_TOKEN, AZURE_CLIENT_SECRET];

interface Case {
  /** Registration name, also the key of the script's results. */
  name: string;
  module: string;
  parameters: Record<string, string | number>;
  /** The server redirected to: must receive nothing. */
  target: FakeServer;
  /** The server that redirects: must have seen the write, so the write reached the redirect. */
  redirector: FakeServer;
}

const servers: FakeServer[] = [];
const cases: Case[] = [];
let certificate: Certificate;
let work: string;

async function fake(...args: Parameters<typeof startFakeServer>): Promise<FakeServer> {
  const server = await startFakeServer(...args);
  servers.push(server);
  return server;
}

/**
 * A server that answers `answer` where it gives one and redirects everything else to `target`, same
 * path; `seen` counts the requests before this one since its `requests` were last emptied.
 */
async function redirector(target: FakeServer, answer: (method: string, url: string, seen: number) => FakeAnswer | undefined, tls?: Certificate) {
  const server: FakeServer = await fake((request) =>
    answer(request.method, request.url, server.requests.length - 1) ?? redirect(`${target.url}${request.url}`), {
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  });
  return server;
}

beforeAll(async () => {
  certificate = testCertificate();
  work = mkdtempSync(join(tmpdir(), "sm-redirects-"));

  // hashicorp-vault: the token lookup and the version read before a write are answered; the write and the read are redirected.
  const hashicorpAnswers = (method: string, url: string) => {
    if (url.startsWith("/v1/auth/token/lookup-self")) return json({ data: { ttl: 0, renewable: false } });
    if (method === "GET" && url.startsWith("/v1/secret/metadata/")) return json({ errors: [] }, 404);
    return undefined;
  };
  for (const [name, tls] of [["hashicorp-other-port", undefined], ["hashicorp-https-to-http", certificate]] as const) {
    const target = await fake(() => json({ data: { data: { value: "from the target" } } }));
    const from = await redirector(target, hashicorpAnswers, tls);
    cases.push({
      name,
      module: "hashicorp-vault",
      parameters: { address: from.url, kvVersion: 2, timeout: 5, ...(tls ? { caFile: tls.caFile } : {}) },
      target,
      redirector: from,
    });
  }

  // aws-secrets-manager: every call redirected (a set starts with CreateSecret, carrying SecretString).
  {
    const target = await fake(() => json({}));
    const from = await redirector(target, () => undefined);
    cases.push({ name: "aws", module: "aws-secrets-manager", parameters: { region: "us-east-1", endpoint: from.url }, target, redirector: from });
  }

  // azure-keyvault, token endpoint: the client-credentials POST (client_secret in its body) is redirected.
  {
    const target = await fake(() => json({ access_token: "t", expires_in: 3600 }));
    const from = await redirector(target, () => undefined);
    const unusedVault = await fake(() => json({ error: { code: "Unexpected" } }, 500));
    cases.push({
      name: "azure-token",
      module: "azure-keyvault",
      parameters: { vaultUrl: unusedVault.url, auth: "client-secret", tenantId: "tenant-1", clientId: "client-1", authorityHost: from.url },
      target,
      redirector: from,
    });
  }

  // azure-keyvault, vault URL: the read before the write is answered (no such secret); the PUT and the later read are redirected.
  {
    const tokens = await fake(() => json({ access_token: "azure-bearer", token_type: "Bearer", expires_in: 3600 }));
    const target = await fake(() => json({ value: "from the target", id: "x" }));
    const from = await redirector(target, (method, _url, seen) =>
      method === "GET" && seen === 0 ? json({ error: { code: "SecretNotFound", message: "not found" } }, 404) : undefined
    );
    cases.push({
      name: "azure-vault",
      module: "azure-keyvault",
      parameters: { vaultUrl: from.url, auth: "client-secret", tenantId: "tenant-1", clientId: "client-1", authorityHost: tokens.url },
      target,
      redirector: from,
    });
  }
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  certificate?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Registers each case's vault (in a fresh home), sets then gets one secret, and prints each outcome. */
function script(runtime: RuntimeName): string {
  return `
import { SecretManagement } from ${JSON.stringify(modulePath(runtime))};
const env = (name) => (globalThis.Deno ? Deno.env.get(name) : process.env[name]);
const { home, value, vaults } = JSON.parse(env("SM_REDIRECT_CASES"));
const sm = await SecretManagement.open({ home, onVaultError: () => {} });
const outcome = (work) => work.then(() => ({ code: "OK" }), (error) => ({ code: error.code, message: error.message }));
const results = {};
for (const { name, module, parameters } of vaults) {
  await sm.registerVault(name, module, { parameters });
  const set = await outcome(sm.setSecret("redirected", value, { vault: name }));
  const get = await outcome(sm.getSecret("redirected", { vault: name }));
  results[name] = { set, get };
}
console.log(JSON.stringify(results));
`;
}

interface Outcome {
  code: string;
  message?: string;
}

function runOn(runtime: RuntimeName): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(work, `redirects-${runtime}.${runtime === "node" ? "mjs" : "ts"}`);
  writeFileSync(file, script(runtime));
  const [command, args] = runtimeCommand(runtime, file);
  // The script lives outside the repository: Deno finds the npm packages through the repo's config.
  if (runtime === "deno") args.splice(args.indexOf(file), 0, "--config", join(ROOT, "deno.json"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SM_REDIRECT_CASES: JSON.stringify({
      home: mkdtempSync(join(work, `home-${runtime}-`)),
      value: VALUE,
      vaults: cases.map(({ name, module, parameters }) => ({ name, module, parameters })),
    }),
    VAULT_TOKEN,
    AWS_ACCESS_KEY_ID: "AKIDREDIRECT",
    AWS_SECRET_ACCESS_KEY: "redirect-secret-key",
    AWS_SESSION_TOKEN,
    AZURE_CLIENT_SECRET,
  };
  delete env.AWS_PROFILE;
  delete env.NODE_EXTRA_CA_CERTS;
  // Asynchronous: the fake servers answer from this process while the script runs.
  return runAsync(command, args, env);
}

const VAULTS = ["hashicorp-other-port", "hashicorp-https-to-http", "aws", "azure-token", "azure-vault"];

describe.each(RUNTIMES)("redirects to another origin on %s", (runtime) => {
  let results: Record<string, { set: Outcome; get: Outcome }>;
  let output = "";

  beforeAll(async () => {
    for (const server of servers) server.requests.length = 0;
    const run = await runOn(runtime);
    output = run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    results = JSON.parse(run.stdout.trim().split("\n").pop()!);
  }, 120_000);

  it("prints no token, client secret or value", () => {
    for (const credential of CREDENTIALS) expect(output).not.toContain(credential);
  });

  it.each(VAULTS)("%s: refused with VAULT_UNAVAILABLE naming the target, which receives nothing", (name) => {
    const { target, redirector } = cases.find((item) => item.name === name)!;
    const { set, get } = results[name]!;
    expect(set.code).toBe("VAULT_UNAVAILABLE");
    expect(get.code).toBe("VAULT_UNAVAILABLE");
    expect(set.message).toContain(`redirected to ${target.url}`);
    expect(get.message).toContain(`redirected to ${target.url}`);
    expect(target.requests).toEqual([]);
    // What was refused is what the redirect would have carried: the write with its value, or the token request.
    const carried = redirector.requests.map((request) => request.body).join("\n");
    expect(carried).toContain(name === "azure-token" ? AZURE_CLIENT_SECRET : VALUE);
    for (const message of [set.message!, get.message!]) {
      for (const credential of CREDENTIALS) expect(message).not.toContain(credential);
    }
  });
});
