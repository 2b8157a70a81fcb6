/**
 * `npm run bench:edge`: what the library costs in functions and workers.
 *   bundle size       esbuild --minify of a one-vault worker (SecretManagement + hashicorp-vault) and of
 *                     a sealed-store worker (openSealedStore), raw and gzipped (level 9)
 *   workerd read      a module-scope instance reading from OpenBao (kvVersion 2) in workerd (miniflare,
 *                     file mode): the first request of a fresh worker (cold: token lookup + read) and
 *                     the following ones (warm: one request); next to a request that does nothing
 *   sealed open       openSealedStore of 10 and 1 000 secrets in workerd, timed over many opens in one
 *                     request (workerd's clock stands still between I/O, so it is timed from outside)
 *   node serverless   examples/edge/lambda/handler.mjs in a fresh `node` process: import + open + first
 *                     read of the sealed file and of moto's Secrets Manager (cold start), then a warm read
 * Targets: one-vault worker <= 15 KB gzipped; sealed open of 1 000 secrets <= 10 ms in workerd.
 * BENCH_RUNS sets the samples per timed row.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { Credential, sealSecrets } from "../mod.ts";
import { startMoto } from "../test/helpers/moto.ts";
import { startOpenBao } from "../test/helpers/openbao.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const work = mkdtempSync(join(tmpdir(), "sm-bench-edge-"));
const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function bundle(name: string, source: string, minify: boolean): Promise<string> {
  const entry = join(work, `${name}.mjs`);
  writeFileSync(entry, source);
  const outfile = join(work, `${name}.bundle.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".sealed": "binary" },
    target: "es2022",
    minify,
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

const edge = JSON.stringify(join(ROOT, "edge.ts"));
const ONE_VAULT = `
import { SecretManagement } from ${edge};
import hashicorpVault from ${JSON.stringify(join(ROOT, "extensions/hashicorp-vault/mod.ts"))};
let secrets;
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/noop") return new Response("");
    secrets ??= SecretManagement.open({ env }).then(async (sm) => {
      await sm.registerVault("team", hashicorpVault, { parameters: { address: env.BAO_ADDR, kvVersion: 2 } });
      return sm;
    });
    return new Response(await (await secrets).getSecret("bench"));
  },
};`;
const SEALED = `
import { openSealedStore } from ${edge};
import small from "./s10.sealed";
import large from "./s1000.sealed";
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/noop") return new Response("");
    const bytes = url.searchParams.get("n") === "10" ? small : large;
    let store;
    for (let i = 0; i < Number(url.searchParams.get("times")); i++) store = await openSealedStore(bytes, env.SEALED_KEY);
    return new Response(await store.get("app/secret-0"));
  },
};`;

function sealedStoreOf(count: number, key: Uint8Array): Uint8Array {
  const secrets = Array.from({ length: count }, (_, i) => ({
    name: `app/secret-${i}`,
    value: i % 3 === 0 ? `value-${i}-${"x".repeat(32)}` : i % 3 === 1 ? Credential(`user-${i}`, `pw-${i}`) : Uint8Array.from({ length: 32 }, (_, j) => (i + j) % 256),
    metadata: { owner: "bench", index: i },
  }));
  return sealSecrets(secrets, key).bytes;
}

async function timeFetch(mf: Miniflare, path: string): Promise<number> {
  const start = performance.now();
  const response = await mf.dispatchFetch(`http://localhost${path}`);
  await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return performance.now() - start;
}

function workerd(scriptPath: string, bindings: Record<string, string>): Miniflare {
  return new Miniflare({
    scriptPath,
    modules: true,
    modulesRoot: dirname(scriptPath),
    bindings,
    compatibilityDate: "2024-09-01",
  });
}

const rows: string[][] = [];
try {
  // ---- bundle sizes ----
  const key = crypto.getRandomValues(new Uint8Array(32));
  writeFileSync(join(work, "s10.sealed"), sealedStoreOf(10, key));
  writeFileSync(join(work, "s1000.sealed"), sealedStoreOf(1000, key));
  const keyText = sealSecrets([], key).key;
  for (const [name, source] of [["one-vault worker", ONE_VAULT], ["sealed-store worker", SEALED]] as const) {
    const code = readFileSync(await bundle(name.replaceAll(" ", "-") + "-min", source.replace(/import (small|large) .*\n/g, ""), true));
    rows.push([`bundle: ${name} (minified)`, kb(code.length), `gzip ${kb(gzipSync(code, { level: 9 }).length)}`]);
  }

  // ---- reads from OpenBao in workerd ----
  const bao = await startOpenBao();
  await bao.api("POST", "secret/data/bench", { data: { value: "x".repeat(64) } });
  const oneVault = await bundle("one-vault", ONE_VAULT, true);
  const cold: number[] = [];
  const warm: number[] = [];
  const noop: number[] = [];
  for (let i = 0; i < Math.max(3, Math.round(RUNS / 10)); i++) {
    const mf = workerd(oneVault, { BAO_ADDR: bao.address, VAULT_TOKEN: bao.rootToken });
    await mf.ready;
    await timeFetch(mf, "/noop");
    cold.push(await timeFetch(mf, "/"));
    for (let j = 0; j < RUNS / 5; j++) {
      warm.push(await timeFetch(mf, "/"));
      noop.push(await timeFetch(mf, "/noop"));
    }
    await mf.dispose();
  }
  await bao.stop();
  rows.push(["workerd: request that does nothing (baseline)", `${median(noop).toFixed(2)} ms`, ""]);
  rows.push(["workerd: cold read (token lookup + read)", `${median(cold).toFixed(2)} ms`, `${cold.length} workers`]);
  rows.push(["workerd: warm read (one request)", `${median(warm).toFixed(2)} ms`, `${(median(warm) - median(noop)).toFixed(2)} ms over baseline`]);

  // ---- sealed open in workerd ----
  const sealedWorker = workerd(await bundle("sealed", SEALED, true), { SEALED_KEY: keyText });
  await sealedWorker.ready;
  for (const count of [10, 1000]) {
    const times = count === 10 ? 200 : 20;
    const perOpen: number[] = [];
    for (let i = 0; i < Math.max(5, RUNS / 5); i++) {
      const baseline = await timeFetch(sealedWorker, "/noop");
      perOpen.push(Math.max(0, (await timeFetch(sealedWorker, `/?n=${count}&times=${times}`)) - baseline) / times);
    }
    rows.push([`workerd: sealed open of ${count} secrets`, `${median(perOpen).toFixed(3)} ms`, `${readFileSync(join(work, `s${count}.sealed`)).length} bytes`]);
  }
  await sealedWorker.dispose();

  // ---- Node serverless (Lambda-style handler) ----
  const moto = await startMoto();
  const project = join(work, "lambda-project");
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(project, "node_modules/secretmanagement")); // dist/, as the package resolves
  cpSync(join(ROOT, "examples/edge/lambda"), join(project, "lambda"), { recursive: true });
  writeFileSync(join(project, "lambda/secrets.sealed"), sealedStoreOf(10, key));
  const env = {
    PATH: process.env.PATH,
    SEALED_KEY: keyText,
    SECRETS_MANAGER_ENDPOINT: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDMOTO",
    AWS_SECRET_ACCESS_KEY: "moto-secret",
  };
  const sm = await (await import("../mod.ts")).SecretManagement.open({ home: join(work, "home") });
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  await sm.registerVault("aws", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
  await sm.setSecret("prod/db-password", "db-pw");
  const script = `
    const start = performance.now();
    const { handler } = await import("./lambda/handler.mjs");
    const first = await handler({ name: "app/secret-0" });
    const cold = performance.now() - start;
    const awsStart = performance.now();
    const aws = await handler({ name: "prod/db-password", vault: "aws" });
    const awsFirst = performance.now() - awsStart;
    const warmStart = performance.now();
    await handler({ name: "app/secret-1" });
    const warm = performance.now() - warmStart;
    if (first.code || aws.code) throw new Error(JSON.stringify([first, aws]));
    console.log(JSON.stringify({ cold, awsFirst, warm }));`;
  const samples: { cold: number; awsFirst: number; warm: number; process: number }[] = [];
  for (let i = 0; i < Math.max(3, RUNS / 5); i++) {
    const start = performance.now();
    const printed = execFileSync("node", ["--input-type=module", "-e", script], { cwd: project, env, encoding: "utf8" });
    samples.push({ ...JSON.parse(printed), process: performance.now() - start });
  }
  await moto.stop();
  const of = (field: keyof (typeof samples)[number]) => `${median(samples.map((s) => s[field])).toFixed(1)} ms`;
  rows.push([`node ${execFileSync("node", ["--version"], { encoding: "utf8" }).trim()}: cold start (import + open + first sealed read)`, of("cold"), `${samples.length} processes`]);
  rows.push(["node: first Secrets Manager read (moto)", of("awsFirst"), ""]);
  rows.push(["node: warm sealed read", of("warm"), ""]);
  rows.push(["node: whole process (start to exit)", of("process"), ""]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`edge and serverless costs, median of ${RUNS}-ish samples per row (loopback servers)\n`);
console.log("| what | value | note |");
console.log("|---|---:|---|");
for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note} |`);
