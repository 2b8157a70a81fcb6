/**
 * `npm run bench:vault`: latency of the hashicorp-vault extension against a local OpenBao dev server
 * it starts, next to raw fetch calls of the same endpoints in the same run, with the overhead ratio.
 *   get   raw: GET <mount>/data/<name>                  ext: getSecret
 *   set   raw: POST <mount>/data/<name>                 ext: setSecret (same value, metadata unchanged)
 *   info  raw: GET <mount>/metadata/<name>              ext: getSecretInfo(name)
 *   list  raw: LIST walk + GET metadata per key, 8 at a time; ext: getSecretInfo("bench/*")
 * over 1 000 secrets. "ext" is the extension called directly; "api" goes through SecretManagement
 * (registry read, validation, copies). BENCH_RUNS sets the samples per single-secret operation.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SecretManagement } from "../mod.ts";
import { startOpenBao } from "../test/helpers/openbao.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const LIST_RUNS = 5;
const SECRETS = 1000;
const CONCURRENCY = 8;

const bao = await startOpenBao();
const home = mkdtempSync(join(tmpdir(), "sm-bench-vault-"));
process.env.VAULT_TOKEN = bao.rootToken;
const headers = { "x-vault-token": bao.rootToken, "content-type": "application/json" };
const url = (path: string) => `${bao.address}/v1/${path}`;

async function raw(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url(path), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function limited<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** Sorted timings of each variant, run in turn so that server warm-up and noise hit them alike. */
async function compare(runs: number, variants: (() => Promise<unknown>)[]): Promise<number[][]> {
  for (let i = 0; i < Math.min(20, runs); i++) for (const work of variants) await work();
  const times: number[][] = variants.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [index, work] of variants.entries()) {
      const start = performance.now();
      await work();
      times[index]!.push(performance.now() - start);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b));
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;
const p95 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;

try {
  const sm = await SecretManagement.open({ home });
  await sm.registerVault("bench", "hashicorp-vault", { parameters: { address: bao.address } });
  const extension = await sm.getVaultExtension("bench");

  await sm.setSecret("one", "bench value", { vault: "bench", metadata: { owner: "ops" } });
  const names = Array.from({ length: SECRETS }, (_, i) => `bench/group-${i % 10}/secret-${i}`);
  const fill = performance.now();
  await limited(names, (name) => extension.setSecret(name, `value ${name}`, { n: 1 }));
  const fillMs = performance.now() - fill;

  const rawList = async () => {
    const keys: string[] = [];
    let level = ["bench/"];
    while (level.length > 0) {
      const next: string[] = [];
      await limited(level, async (folder) => {
        const listed = (await raw("GET", `secret/metadata/${folder}?list=true`)) as { data: { keys: string[] } };
        for (const key of listed.data.keys) (key.endsWith("/") ? next : keys).push(folder + key);
      });
      level = next;
    }
    await limited(keys, (key) => raw("GET", `secret/metadata/${key}`));
    return keys.length;
  };
  if ((await rawList()) !== SECRETS) throw new Error("raw list did not find every secret");
  if ((await extension.getSecretInfo("bench/*")).length !== SECRETS) throw new Error("list did not find every secret");

  const rows: [string, number, number[][]][] = [
    ["get", RUNS, await compare(RUNS, [
      () => raw("GET", "secret/data/one"),
      () => extension.getSecret("one"),
      () => sm.getSecret("one", { vault: "bench" }),
    ])],
    ["set", RUNS, await compare(RUNS, [
      () => raw("POST", "secret/data/one", { data: { value: "bench value" } }),
      () => extension.setSecret("one", "bench value"),
      () => sm.setSecret("one", "bench value", { vault: "bench" }),
    ])],
    ["info", RUNS, await compare(RUNS, [
      () => raw("GET", "secret/metadata/one"),
      () => extension.getSecretInfo("one"),
      () => sm.getSecretInfo("one", { vault: "bench" }),
    ])],
    [`list ${SECRETS}`, LIST_RUNS, await compare(LIST_RUNS, [
      rawList,
      () => extension.getSecretInfo("bench/*"),
      () => sm.getSecretInfo("bench/*", { vault: "bench" }),
    ])],
  ];

  const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "object" ? "deno" : "node/bun";
  console.log(`hashicorp-vault vs raw fetch, OpenBao dev server on loopback (${runtime}); filled ${SECRETS} secrets in ${fillMs.toFixed(0)} ms (${CONCURRENCY} writers)`);
  console.log("| operation | runs | raw median ms | ext median ms | api median ms | ext p95 ms | ext / raw | api / raw |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [label, runs, times] of rows) {
    const [rawTimes, extTimes, apiTimes] = times as [number[], number[], number[]];
    console.log(
      `| ${label} | ${runs} | ${median(rawTimes).toFixed(2)} | ${median(extTimes).toFixed(2)} | ${median(apiTimes).toFixed(2)} | ` +
        `${p95(extTimes).toFixed(2)} | ${(median(extTimes) / median(rawTimes)).toFixed(2)}x | ` +
        `${(median(apiTimes) / median(rawTimes)).toFixed(2)}x |`,
    );
  }
} finally {
  await bao.stop();
  rmSync(home, { recursive: true, force: true });
}
