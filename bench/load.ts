/**
 * `deno run -A bench/load.ts` (`npm run bench:load`): 2 000 concurrent reads of one secret from each
 * HTTP vault on loopback — hashicorp-vault against OpenBao, aws-secrets-manager against moto,
 * azure-keyvault against the local fixture — through the library (`getSecret`, each vault capped at
 * `maxConcurrent` requests in flight, default 16), next to a baseline of the same number of raw
 * `fetch` calls of the read endpoint fired at once, in the same run.
 *
 * The library row runs first: raw fetch leaves its connections open in the runtime's pool, which would
 * count against the next row. Per row: errors, p50/p99 latency of one read (from the start of the burst to its answer, so queueing
 * counts), the whole burst's time, and the peak of open client connections to the server's port (TCP
 * entries in /proc/net/tcp whose remote port is the server's, TIME_WAIT excluded: that counts our
 * sockets, not the in-process fixture's server side). BENCH_READS sets the burst size.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SecretManagement } from "../mod.ts";
import { signRequest } from "../extensions/aws-secrets-manager/sigv4.ts";
import { clientSecretParameters, startKeyVaultFixture } from "../test/fixtures/azure/keyvault-fixture.ts";
import { startMoto } from "../test/helpers/moto.ts";
import { startOpenBao } from "../test/helpers/openbao.ts";

const READS = Number(process.env.BENCH_READS ?? 2_000);
const TIME_WAIT = "06";
const LISTEN = "0A";

/** Open client connections to `port` on this machine (IPv4 loopback), read from /proc/net/tcp. */
function connectionsTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [remote, state] = [fields[2]!, fields[3]!];
    if (remote.endsWith(`:${hexPort}`) && state !== TIME_WAIT && state !== LISTEN) count++;
  }
  return count;
}

interface Row {
  name: string;
  errors: number;
  p50: number;
  p99: number;
  totalMs: number;
  peakSockets: number;
}

/** Runs `read` READS times at once; counts errors, latencies and the peak of connections to `port`. */
async function burst(name: string, port: number, read: () => Promise<unknown>): Promise<Row> {
  let peakSockets = 0;
  const sampler = setInterval(() => (peakSockets = Math.max(peakSockets, connectionsTo(port))), 5);
  const start = performance.now();
  const latencies: number[] = [];
  let errors = 0;
  const firstErrors = new Map<string, number>();
  await Promise.all(Array.from({ length: READS }, async () => {
    try {
      await read();
    } catch (error) {
      errors++;
      const code = (error as { code?: string; message?: string }).code ?? String((error as Error).message).slice(0, 60);
      firstErrors.set(code, (firstErrors.get(code) ?? 0) + 1);
    }
    latencies.push(performance.now() - start);
  }));
  const totalMs = performance.now() - start;
  clearInterval(sampler);
  peakSockets = Math.max(peakSockets, connectionsTo(port));
  latencies.sort((a, b) => a - b);
  if (errors > 0) console.error(`${name}: errors ${JSON.stringify(Object.fromEntries(firstErrors))}`);
  // Let the kept-alive connections of this row close before the next one is measured.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    name,
    errors,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    totalMs,
    peakSockets,
  };
}

async function expectOk(response: Response): Promise<void> {
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 60)}`);
}

const rows: Row[] = [];
const sm = await SecretManagement.open({ home: mkdtempSync(join(tmpdir(), "sm-bench-load-")), onVaultError: () => {} });

// ---- hashicorp-vault / OpenBao ----
const bao = await startOpenBao();
process.env.VAULT_TOKEN = bao.rootToken;
await sm.registerVault("bao", "hashicorp-vault", { parameters: { address: bao.address, kvVersion: 2 } });
await sm.setSecret("load-secret", "x".repeat(64), { vault: "bao" });
const baoPort = Number(new URL(bao.address).port);
rows.push(await burst("hashicorp-vault getSecret", baoPort, () => sm.getSecret("load-secret", { vault: "bao" })));
rows.push(await burst("hashicorp-vault raw fetch (baseline)", baoPort, async () => {
  await expectOk(await fetch(`${bao.address}/v1/secret/data/load-secret`, { headers: { "x-vault-token": bao.rootToken } }));
}));
await bao.stop();

// ---- aws-secrets-manager / moto ----
const moto = await startMoto();
process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
await sm.registerVault("aws", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
await sm.setSecret("load-secret", "x".repeat(64), { vault: "aws" });
const motoUrl = new URL(moto.endpoint);
const awsBody = JSON.stringify({ SecretId: "load-secret" });
rows.push(await burst("aws getSecret", Number(motoUrl.port), () => sm.getSecret("load-secret", { vault: "aws" })));
rows.push(await burst("aws raw fetch (baseline)", Number(motoUrl.port), async () => {
  const headers = signRequest({
    method: "POST",
    url: motoUrl,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.GetSecretValue" },
    body: awsBody,
    region: "us-east-1",
    service: "secretsmanager",
    date: new Date(),
  }, moto.credentials);
  await expectOk(await fetch(motoUrl, { method: "POST", headers, body: awsBody }));
}));
await moto.stop();

// ---- azure-keyvault / fixture ----
const fixture = await startKeyVaultFixture();
process.env.BENCH_AZURE_SECRET = "fixture-client-secret";
await sm.registerVault("azure", "azure-keyvault", {
  parameters: clientSecretParameters(fixture, "BENCH_AZURE_SECRET"),
});
await sm.setSecret("load-secret", "x".repeat(64), { vault: "azure" });
const azureToken = (await (await fetch(`${fixture.imdsEndpoint}?resource=x`, { headers: { metadata: "true" } })).json()).access_token;
const fixturePort = Number(new URL(fixture.url).port);
rows.push(await burst("azure getSecret", fixturePort, () => sm.getSecret("load-secret", { vault: "azure" })));
rows.push(await burst("azure raw fetch (baseline)", fixturePort, async () => {
  await expectOk(await fetch(`${fixture.url}/secrets/load-secret?api-version=7.5`, { headers: { authorization: `Bearer ${azureToken}` } }));
}));
await fixture.stop();

console.log(`${READS} concurrent reads per row on ${sm.runtime.name}, loopback servers, open-file limit ${fileLimit()}\n`);
console.log("| row | errors | p50 ms | p99 ms | burst ms | peak sockets |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.errors} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.totalMs.toFixed(0)} | ${row.peakSockets} |`,
  );
}
process.exit(0);

function fileLimit(): string {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((text) => text.startsWith("Max open files"));
  return line?.split(/\s{2,}/)[1] ?? "unknown";
}
