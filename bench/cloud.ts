/**
 * `deno run -A bench/cloud.ts`: what the aws-secrets-manager and azure-keyvault extensions cost over
 * the HTTP they must do anyway, each next to a baseline measured in the same run.
 *   sigv4 sign        signRequest() alone, in-process (no I/O)
 *   aws raw get       one signed GetSecretValue fetch to a local moto_server (baseline)
 *   aws ext get       getSecret through the extension (DescribeSecret and GetSecretValue, in parallel)
 *   aws ext set       setSecret of an existing name (Describe, PutSecretValue, tags in sync)
 *   azure raw get     one GET /secrets/<name> with a bearer token to the local fixture (baseline)
 *   azure ext get     getSecret through the extension (cached token)
 *   azure ext set     setSecret of an existing name (GET current + PUT)
 * BENCH_RUNS sets the samples per row.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SecretManagement } from "../mod.ts";
import { signRequest } from "../extensions/aws-secrets-manager/sigv4.ts";
import { startMoto } from "../test/helpers/moto.ts";
import { clientSecretParameters, startKeyVaultFixture } from "../test/fixtures/azure/keyvault-fixture.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);

async function samples(work: () => unknown): Promise<number[]> {
  for (let i = 0; i < Math.min(20, RUNS); i++) await work();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const rows: [string, number[], string][] = [];
const median = (t: number[]) => t[Math.floor(t.length / 2)]!;
const p95 = (t: number[]) => t[Math.floor(t.length * 0.95)]!;

// ---- AWS against moto ----
const moto = await startMoto();
process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
const sm = await SecretManagement.open({ home: mkdtempSync(join(tmpdir(), "sm-bench-cloud-")) });
await sm.registerVault("aws", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
await sm.setSecret("bench-secret", "x".repeat(64), { vault: "aws", metadata: { owner: "bench" } });
const aws = await sm.getVaultExtension("aws");
const url = new URL(moto.endpoint);
const body = JSON.stringify({ SecretId: "bench-secret" });
const signInput = () => ({
  method: "POST",
  url,
  headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.GetSecretValue" },
  body,
  region: "us-east-1",
  service: "secretsmanager",
  date: new Date(),
});
const signTimes = await samples(() => signRequest(signInput(), moto.credentials));
const rawAws = await samples(async () => {
  const response = await fetch(url, { method: "POST", headers: signRequest(signInput(), moto.credentials), body });
  await response.json();
});
rows.push(["sigv4 sign", signTimes, ""]);
rows.push(["aws raw get (baseline)", rawAws, "1.00x"]);
const awsGet = await samples(() => aws.getSecret("bench-secret"));
rows.push(["aws ext get", awsGet, `${(median(awsGet) / median(rawAws)).toFixed(2)}x`]);
const awsSet = await samples(() => aws.setSecret("bench-secret", "y".repeat(64)));
rows.push(["aws ext set", awsSet, `${(median(awsSet) / median(rawAws)).toFixed(2)}x`]);
await moto.stop();

// ---- Azure against the fixture ----
const fixture = await startKeyVaultFixture();
process.env.BENCH_AZURE_SECRET = "fixture-client-secret";
await sm.registerVault("kv", "azure-keyvault", {
  parameters: clientSecretParameters(fixture, "BENCH_AZURE_SECRET"),
});
await sm.setSecret("bench-secret", "x".repeat(64), { vault: "kv", metadata: { owner: "bench" } });
const kv = await sm.getVaultExtension("kv");
const token = (await (await fetch(`${fixture.imdsEndpoint}?resource=x`, { headers: { metadata: "true" } })).json()).access_token;
const rawAzure = await samples(async () => {
  const response = await fetch(`${fixture.url}/secrets/bench-secret?api-version=7.5`, { headers: { authorization: `Bearer ${token}` } });
  await response.json();
});
rows.push(["azure raw get (baseline)", rawAzure, "1.00x"]);
const azureGet = await samples(() => kv.getSecret("bench-secret"));
rows.push(["azure ext get", azureGet, `${(median(azureGet) / median(rawAzure)).toFixed(2)}x`]);
const azureSet = await samples(() => kv.setSecret("bench-secret", "y".repeat(64)));
rows.push(["azure ext set", azureSet, `${(median(azureSet) / median(rawAzure)).toFixed(2)}x`]);
await fixture.stop();

console.log(`cloud vault extensions on ${sm.runtime.name}, ${RUNS} samples per row (loopback servers)\n`);
console.log(`| operation | median ms | p95 ms | vs baseline |`);
console.log(`|---|---:|---:|---:|`);
for (const [name, times, ratio] of rows) {
  console.log(`| ${name} | ${median(times).toFixed(3)} | ${p95(times).toFixed(3)} | ${ratio} |`);
}
process.exit(0);
