/**
 * 2 000 concurrent reads through the library in a Node process limited to 256 open files
 * (`ulimit -n 256`), against OpenBao (hashicorp-vault), moto (aws-secrets-manager) and the Azure Key
 * Vault fixture: every read returns the value, none fails (no EMFILE), because each vault keeps at
 * most `maxConcurrent` (default 16) requests in flight over kept-alive connections.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { clientSecretParameters, type KeyVaultFixture, startKeyVaultFixture } from "./fixtures/azure/keyvault-fixture.ts";
import { type Moto, startMoto } from "./helpers/moto.ts";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { modulePath, runAsync } from "./helpers/runtimes.ts";

const READS = 2_000;
const FILE_LIMIT = 256;
const AZURE_SECRET = "fixture-client-secret";

let bao: OpenBao;
let moto: Moto;
let fixture: KeyVaultFixture;
let work: string;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [bao, moto, fixture] = await Promise.all([startOpenBao(), startMoto(), startKeyVaultFixture({ clientSecret: AZURE_SECRET })]);
  work = mkdtempSync(join(tmpdir(), "sm-load-"));
  home = join(work, "home");
  env = {
    ...process.env,
    VAULT_TOKEN: bao.rootToken,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    LOAD_AZURE_SECRET: AZURE_SECRET,
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  // Registered and seeded here; the limited process only reads.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("bao", "hashicorp-vault", { parameters: { address: bao.address } });
    await sm.registerVault("aws", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
    await sm.registerVault("azure", "azure-keyvault", {
      parameters: clientSecretParameters(fixture, "LOAD_AZURE_SECRET"),
    });
    for (const vault of ["bao", "aws", "azure"]) await sm.setSecret("load-secret", `value in ${vault}`, { vault });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([bao?.stop(), moto?.stop(), fixture?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Reads one secret READS times at once from one vault; prints the values seen, the error codes and the peak sockets. */
const SCRIPT = `
import { readdirSync, readlinkSync } from "node:fs";
import { SecretManagement } from ${JSON.stringify(modulePath("node"))};
const [home, vault, reads] = process.argv.slice(2);
const sockets = () => readdirSync("/proc/self/fd").filter((fd) => {
  try { return readlinkSync("/proc/self/fd/" + fd).startsWith("socket:"); } catch { return false; }
}).length;
let peakSockets = 0;
const sampler = setInterval(() => (peakSockets = Math.max(peakSockets, sockets())), 2);
const sm = await SecretManagement.open({ home, onVaultError: () => {} });
const outcomes = await Promise.all(Array.from({ length: Number(reads) }, () =>
  sm.getSecret("load-secret", { vault }).then((value) => "value:" + value, (error) => "error:" + (error.code ?? error.message))
));
clearInterval(sampler);
const counts = {};
for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
console.log(JSON.stringify({ counts, peakSockets }));
`;

function readUnderFileLimit(vault: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(work, "load.mjs");
  writeFileSync(file, SCRIPT);
  return runAsync("bash", ["-c", `ulimit -n ${FILE_LIMIT} && exec "$0" "$@"`, process.execPath, file, home, vault, String(READS)], env);
}

describe(`${READS} concurrent reads under ulimit -n ${FILE_LIMIT}`, () => {
  it.each(["bao", "aws", "azure"])("%s: every read returns the value, none fails", async (vault) => {
    const result = await readUnderFileLimit(vault);
    expect(result.code, result.stderr).toBe(0);
    const { counts, peakSockets } = JSON.parse(result.stdout.trim().split("\n").pop()!);
    expect(counts).toEqual({ [`value:value in ${vault}`]: READS });
    // 16 requests in flight at most per vault (a sample can only undercount the peak).
    expect(peakSockets).toBeLessThanOrEqual(40);
  }, 180_000);
});
