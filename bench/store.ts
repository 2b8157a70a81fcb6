/**
 * `npm run bench:store [-- --runtime deno|bun]`: the SecretStore at N = 100, 1 000, 10 000 and
 * 100 000 secrets of ~200 bytes, next to a whole-rewrite baseline measured in the same process.
 *
 * Per N the bench runs two fresh child processes of the chosen runtime:
 *   build    creates the store with the real default KDF (Argon2id m = 64 MiB, t = 3) and bulk-loads
 *            N records: it seals them with the store's own format code (StoreKeys, encodePut,
 *            sealFrame, the same cipher the engine picks) and appends them under the store's lock
 *            with one write and one fsync. Durable sets one by one would take minutes at 100 000.
 *   measure  unlocks with the password (RSS is read right after this first unlock, before anything
 *            else runs), then times the KDF alone and more unlocks; then the baseline.
 * Then one `latency` child opens all four stores and times gets, durable sets (one append + fsync
 * each) and removes round-robin over N, sample by sample, and compacts each store once.
 * Baseline: the design of PowerShell SecretStore and KDBX. All N secrets live decrypted in memory;
 * every set serialises all of them, seals the whole blob with XChaCha20-Poly1305 (the same cipher
 * implementation as the store) and writes it with temp file + fsync + rename + directory fsync
 * (the same writeFileAtomic the store's compaction uses). Its get is a Map lookup.
 *
 * Raw results go to bench/out/store-<runtime>.json; the chart to docs/bench-store.svg (Deno runs)
 * or bench/out/bench-store-<runtime>.svg (other runtimes).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../adapters/detect.ts";
import { NONCE_LENGTH, open, seal, xchachaOver } from "../core/crypto/aead.ts";
import { concatBytes, fromHex, randomBytes } from "../core/crypto/bytes.ts";
import { derivePasswordKey } from "../core/crypto/kdf.ts";
import { withLock } from "../core/lock.ts";
import type { Runtime } from "../core/runtime.ts";
import { decodeHeader, decodeLogPrefix, KIND_PUT, LOG_PREFIX_LENGTH, type RecordCipher, sealFrame } from "../core/store/format.ts";
import { StoreKeys } from "../core/store/keys.ts";
import { encodePut } from "../core/store/payload.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import { nameKey } from "../core/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = [100, 1_000, 10_000, 100_000];
const PASSWORD = "bench password, not a secret";
const VALUE_LENGTH = 200;
const GET_SAMPLES = 3000;
const SET_SAMPLES = 150;
const UNLOCK_SAMPLES = 3;
const MB = 1024 * 1024;

type RuntimeName = "deno" | "bun";

interface Measurement {
  n: number;
  runtime: string;
  cipher: string;
  buildMs: number;
  logBytes: number;
  compactedLogBytes: number;
  unlockMs: number;
  kdfMs: number;
  /** Median of (unlock − KDF) over adjacent pairs, so that a slow moment does not land on one side only. */
  restMs: number;
  rssBeforeUnlockMB: number;
  rssAfterUnlockMB: number;
  gcAvailable: boolean;
  getUs: number;
  setUs: number;
  removeUs: number;
  compactMs: number;
  baselineSetUs: number;
  baselineGetUs: number;
  baselineFileBytes: number;
  baselineSamples: number;
}

const nameOf = (i: number) => `bench/secret-${String(i).padStart(6, "0")}`;

/** A ~200-byte printable value that differs per secret, so a wrong record cannot pass the checks. */
function valueOf(name: string): string {
  return `${name}:`.padEnd(VALUE_LENGTH, "abcdefghijklmnopqrstuvwxyz0123456789");
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rssMB = () => process.memoryUsage.rss() / MB;

function collectGarbage(): boolean {
  const global = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (global.Bun) {
    global.Bun.gc(true);
    return true;
  }
  if (global.gc) {
    global.gc();
    return true;
  }
  return false;
}

function cipherOf(runtime: Runtime): { cipher: RecordCipher; label: string } {
  return runtime.chacha20poly1305
    ? { cipher: xchachaOver(runtime.chacha20poly1305), label: "node:crypto ChaCha20-Poly1305 + noble HChaCha20" }
    : { cipher: { seal, open }, label: "@noble/ciphers XChaCha20-Poly1305" };
}

// ---------------------------------------------------------------------------------------------
// Child: build

async function build(n: number, directory: string): Promise<void> {
  const runtime = await detectRuntime();
  const store = await SecretStore.open({ runtime, directory });
  await store.create({ password: PASSWORD });
  const started = performance.now();
  const keys = new StoreKeys(store.exportDataKey());
  const storeId = fromHex(store.storeId);
  const { cipher } = cipherOf(runtime);
  const log = join(directory, FILE_NAMES.log);
  await withLock(runtime, join(directory, FILE_NAMES.lock), () => {
    const { generation } = decodeLogPrefix(runtime.fs!.readFileFrom(log, 0, LOG_PREFIX_LENGTH));
    let offset = runtime.fs!.stat(log)!.size;
    if (offset !== LOG_PREFIX_LENGTH) throw new Error("bulk load expects a new, empty store");
    const frames: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const name = nameOf(i);
      const frame = sealFrame(
        keys.recordKey,
        { storeId, generation, offset },
        { kind: KIND_PUT, sequence: i + 1, nameHash: keys.nameHash(nameKey(name)), nonce: randomBytes(NONCE_LENGTH) },
        encodePut(name, valueOf(name), {}),
        cipher,
      );
      frames.push(frame);
      offset += frame.length;
    }
    const all = new Uint8Array(offset - LOG_PREFIX_LENGTH);
    let at = 0;
    for (const frame of frames) {
      all.set(frame, at);
      at += frame.length;
    }
    runtime.fs!.appendFile(log, all); // one write, one fsync
  });
  keys.destroy();
  const buildMs = performance.now() - started;
  // The store itself must read back what was loaded, or the numbers mean nothing.
  for (const i of [0, n >> 1, n - 1]) {
    if ((await store.get(nameOf(i))) !== valueOf(nameOf(i))) throw new Error(`bulk load: ${nameOf(i)} does not read back`);
  }
  store.lock();
  console.log(JSON.stringify({ buildMs, logBytes: statSync(log).size }));
}

// ---------------------------------------------------------------------------------------------
// Child: measure

async function timeEach(count: number, work: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  return times;
}

async function measure(n: number, directory: string): Promise<Measurement> {
  const runtime = await detectRuntime();
  const { cipher, label } = cipherOf(runtime);
  const gcAvailable = collectGarbage();
  const rssBeforeUnlockMB = rssMB();

  // Unlock, alternating with the KDF alone so that machine noise hits both alike.
  const unlockTimes: number[] = [];
  const kdfTimes: number[] = [];
  let store = await SecretStore.open({ runtime, directory });
  let started = performance.now();
  await store.unlock(PASSWORD);
  unlockTimes.push(performance.now() - started);
  collectGarbage();
  const rssAfterUnlockMB = rssMB();
  const header = decodeHeader(runtime.fs!.readFile(join(directory, FILE_NAMES.header))!);
  for (let i = 0; i < UNLOCK_SAMPLES; i++) {
    started = performance.now();
    await derivePasswordKey(PASSWORD, header.salt, header.kdf!);
    kdfTimes.push(performance.now() - started);
    if (unlockTimes.length < UNLOCK_SAMPLES) {
      store.lock();
      store = await SecretStore.open({ runtime, directory });
      started = performance.now();
      await store.unlock(PASSWORD);
      unlockTimes.push(performance.now() - started);
    }
  }

  store.lock();

  const baseline = await measureBaseline(runtime, cipher, n, directory);
  return {
    n,
    runtime: runtime.name,
    cipher: label,
    buildMs: 0,
    logBytes: 0,
    compactedLogBytes: 0,
    getUs: 0,
    setUs: 0,
    removeUs: 0,
    compactMs: 0,
    unlockMs: median(unlockTimes),
    kdfMs: median(kdfTimes),
    restMs: median(unlockTimes.map((t, i) => t - kdfTimes[i]!)),
    rssBeforeUnlockMB,
    rssAfterUnlockMB,
    gcAvailable,
    ...baseline,
  };
}

type Latency = Pick<Measurement, "n" | "getUs" | "setUs" | "removeUs" | "compactMs" | "compactedLogBytes">;

/**
 * get, durable set and remove on all the stores in one process, round-robin over N sample by
 * sample, so that machine load (this is a shared 2-core box) hits every N alike; then one
 * compaction of each store.
 */
async function latency(stores: { n: number; directory: string }[]): Promise<Latency[]> {
  const runtime = await detectRuntime();
  const open = await Promise.all(stores.map(async ({ n, directory }) => {
    const store = await SecretStore.open({ runtime, directory });
    await store.unlock(PASSWORD);
    return { n, directory, store, get: [] as number[], set: [] as number[], remove: [] as number[] };
  }));
  const newName = (i: number) => `bench/new-${i}`;
  for (const s of open) for (let i = 0; i < 10; i++) await s.store.set(`bench/warm-${i}`, valueOf(`bench/warm-${i}`));
  for (let i = 0; i < GET_SAMPLES; i++) {
    for (const s of open) {
      const name = nameOf(Math.floor(Math.random() * s.n));
      const started = performance.now();
      const value = await s.store.get(name);
      s.get.push(performance.now() - started);
      if (value !== valueOf(name)) throw new Error(`get returned a wrong value for ${name}`);
    }
  }
  for (let i = 0; i < SET_SAMPLES; i++) {
    for (const s of open) {
      const started = performance.now();
      await s.store.set(newName(i), valueOf(newName(i)));
      s.set.push(performance.now() - started);
    }
  }
  for (const s of open) {
    if ((await s.store.get(newName(SET_SAMPLES - 1))) !== valueOf(newName(SET_SAMPLES - 1))) throw new Error("set did not stick");
  }
  for (let i = 0; i < SET_SAMPLES; i++) {
    for (const s of open) {
      const started = performance.now();
      await s.store.remove(newName(i));
      s.remove.push(performance.now() - started);
    }
  }
  const results: Latency[] = [];
  for (const s of open) {
    const started = performance.now();
    await s.store.compact();
    const compactMs = performance.now() - started;
    if ((await s.store.get(nameOf(s.n - 1))) !== valueOf(nameOf(s.n - 1)) || (await s.store.get(newName(0))) !== undefined) {
      throw new Error("compaction changed the contents");
    }
    s.store.lock();
    results.push({
      n: s.n,
      getUs: median(s.get) * 1000,
      setUs: median(s.set) * 1000,
      removeUs: median(s.remove) * 1000,
      compactMs,
      compactedLogBytes: statSync(join(s.directory, FILE_NAMES.log)).size,
    });
  }
  return results;
}

/** Whole-store rewrite on every set: serialise all, seal the blob, temp + fsync + rename. */
async function measureBaseline(runtime: Runtime, cipher: RecordCipher, n: number, directory: string) {
  const fs = runtime.fs!;
  const path = join(directory, "baseline.store");
  const key = randomBytes(32);
  const secrets = new Map<string, string>();
  for (let i = 0; i < n; i++) secrets.set(nameOf(i), valueOf(nameOf(i)));
  const encoder = new TextEncoder();
  const write = (name: string, value: string) => {
    secrets.set(name, value);
    const nonce = randomBytes(NONCE_LENGTH);
    const blob = encoder.encode(JSON.stringify([...secrets]));
    fs.writeFileAtomic(path, concatBytes(nonce, cipher.seal(key, nonce, blob, new Uint8Array(0))), 0o600);
  };
  const samples = n <= 1_000 ? 100 : n <= 10_000 ? 30 : 10;
  write("bench/warm", "w");
  const setTimes = await timeEach(samples, (i) => write(`bench/new-${i}`, valueOf(`bench/new-${i}`)));
  const picks = Array.from({ length: GET_SAMPLES }, () => nameOf(Math.floor(Math.random() * n)));
  const getTimes = await timeEach(GET_SAMPLES, (i) => secrets.get(picks[i]!));
  const baselineFileBytes = statSync(path).size;
  rmSync(path);
  return {
    baselineSetUs: median(setTimes) * 1000,
    baselineGetUs: median(getTimes) * 1000,
    baselineFileBytes,
    baselineSamples: samples,
  };
}

// ---------------------------------------------------------------------------------------------
// Parent: run the children, print, chart

function childCommand(runtime: RuntimeName, args: string[]): [string, string[]] {
  const script = fileURLToPath(import.meta.url);
  if (runtime === "bun") return [join(ROOT, "node_modules", ".bin", "bun"), [script, ...args]];
  return [join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", "--quiet", "--v8-flags=--expose-gc", script, ...args]];
}

function runChild(runtime: RuntimeName, args: string[]): Record<string, unknown> {
  const [command, argv] = childCommand(runtime, args);
  const run = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 64 * MB, timeout: 600_000 });
  if (run.status !== 0) throw new Error(`${args[0]} ${args[1]} failed (${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`);
  if (run.stderr.trim() !== "") process.stderr.write(run.stderr);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!);
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? "✓" : "✗");

function report(results: Measurement[], totalSeconds: number, load: string): string {
  const lines: string[] = [];
  const r = results[0]!;
  lines.push(`SecretStore bench — ${r.runtime}, ${r.cipher}, Argon2id m = 64 MiB, t = 3, p = 1, secrets of ${VALUE_LENGTH} characters`);
  lines.push(
    `Stores built by bulk load: records sealed with the store's own format code and appended under its lock with one write + one fsync; every other number is the public API. Unlock and RSS: a fresh process per N. get, set, remove: one process with all four stores open, round-robin over N sample by sample.`,
  );
  lines.push("");
  lines.push("| N | log file | bulk load | unlock | of which KDF | rest | RSS before → after unlock | get (median) | durable set (median) | remove (median) | compaction | baseline set (median) | baseline / ours |");
  lines.push("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const m of results) {
    lines.push(
      `| ${fmt(m.n)} | ${fmt(m.logBytes / MB, 2)} MB | ${fmt(m.buildMs)} ms | ${fmt(m.unlockMs)} ms | ${fmt(m.kdfMs)} ms | ${fmt(m.restMs)} ms | ${fmt(m.rssBeforeUnlockMB)} → ${fmt(m.rssAfterUnlockMB)} MB | ${fmt(m.getUs, 1)} µs | ${fmt(m.setUs)} µs | ${fmt(m.removeUs)} µs | ${fmt(m.compactMs)} ms | ${fmt(m.baselineSetUs)} µs | ${fmt(m.baselineSetUs / m.setUs, 1)}× |`,
    );
  }
  const small = results.find((m) => m.n === 100)!;
  const big = results.find((m) => m.n === 100_000)!;
  const kdfResidue = small.rssAfterUnlockMB - small.rssBeforeUnlockMB;
  lines.push("");
  lines.push(`Baseline get is a lookup in a Map of decrypted values (${fmt(big.baselineGetUs, 2)} µs at 100 000); ours decrypts one record per get and keeps no plaintext. Baseline file at 100 000: ${fmt(big.baselineFileBytes / MB, 2)} MB; ${big.baselineSamples} baseline sets timed there.`);
  lines.push(`RSS is read right after the first unlock in a fresh process${big.gcAvailable ? ", after a full GC" : ""}. At N = 100 unlock adds ${fmt(kdfResidue, 1)} MB, at N = 1 000 ${fmt(results[1]!.rssAfterUnlockMB - results[1]!.rssBeforeUnlockMB, 1)} MB (the index is tiny there: the rest is what the KDF and the crypto code leave behind at that moment).`);
  lines.push("");
  lines.push("Targets at N = 100 000:");
  const setRatio = big.setUs / small.setUs;
  lines.push(`${mark(setRatio <= 1.5)} durable set within 1.5× of set at 100: ${fmt(big.setUs)} µs vs ${fmt(small.setUs)} µs = ${fmt(setRatio, 2)}×`);
  lines.push(`${mark(big.getUs <= 20)} get ≤ 20 µs median: ${fmt(big.getUs, 1)} µs`);
  lines.push(`${mark(big.restMs <= 300)} unlock ≤ KDF + 300 ms: ${fmt(big.unlockMs)} ms with KDF ${fmt(big.kdfMs)} ms; unlock beyond the KDF ${fmt(big.restMs)} ms`);
  const speedup = big.baselineSetUs / big.setUs;
  lines.push(`${mark(speedup >= 50)} whole-rewrite baseline ≥ 50× slower per set: ${fmt(speedup, 1)}×`);
  // Unlock at 100 000 keeps the log file's bytes (the index points into them) and the index; if the
  // KDF's 64 MiB were still held, the growth would exceed the file size by more than 64 MiB.
  const growth = big.rssAfterUnlockMB - big.rssBeforeUnlockMB;
  const beyondLog = growth - big.logBytes / MB;
  const rssOk = big.rssAfterUnlockMB <= 150 && beyondLog < 64;
  lines.push(`${mark(rssOk)} RSS after unlock ≤ 150 MB with the KDF's 64 MiB released: ${fmt(big.rssAfterUnlockMB)} MB, up ${fmt(growth)} MB from before unlock, of which ${fmt(big.logBytes / MB)} MB is the log held in memory and ${fmt(beyondLog)} MB the index and the rest (${beyondLog < 64 ? "< 64 MiB: the KDF's memory is not held" : "≥ 64 MiB: the KDF's memory may still be held"})`);
  lines.push("");
  lines.push(`Whole run: ${fmt(totalSeconds)} s on ${cpus().length} cores; load average (1 min) ${load}.`);
  return lines.join("\n");
}

/** Set and get latency against N on log-log axes, ours and the baseline. Hand-written SVG. */
function chart(results: Measurement[], title: string): string {
  const width = 680;
  const height = 420;
  const left = 70;
  const right = 190;
  const top = 40;
  const bottom = 50;
  const series = [
    { label: "durable set, baseline", color: "#d62728", dash: "6 4", values: results.map((m) => m.baselineSetUs) },
    { label: "durable set, SecretStore", color: "#1f77b4", dash: "", values: results.map((m) => m.setUs) },
    { label: "get, SecretStore", color: "#2ca02c", dash: "", values: results.map((m) => m.getUs) },
    { label: "get, baseline (Map)", color: "#ff7f0e", dash: "6 4", values: results.map((m) => m.baselineGetUs) },
  ];
  const all = series.flatMap((s) => s.values);
  const yMin = Math.floor(Math.log10(Math.min(...all)));
  const yMax = Math.ceil(Math.log10(Math.max(...all)));
  const xMin = Math.log10(SIZES[0]!);
  const xMax = Math.log10(SIZES.at(-1)!);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (n: number) => left + ((Math.log10(n) - xMin) / (xMax - xMin)) * plotW;
  const y = (us: number) => top + plotH - ((Math.log10(us) - yMin) / (yMax - yMin)) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">${title}</text>`);
  for (let p = yMin; p <= yMax; p++) {
    const yy = y(10 ** p).toFixed(1);
    const label = p >= 6 ? `${10 ** (p - 6)} s` : p >= 3 ? `${10 ** (p - 3)} ms` : `${10 ** p} µs`;
    out.push(`<line x1="${left}" y1="${yy}" x2="${left + plotW}" y2="${yy}" stroke="#dddddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${label}</text>`);
  }
  for (const n of SIZES) {
    const xx = x(n).toFixed(1);
    out.push(`<line x1="${xx}" y1="${top}" x2="${xx}" y2="${top + plotH}" stroke="#dddddd"/>`);
    out.push(`<text x="${xx}" y="${top + plotH + 18}" text-anchor="middle">${fmt(n)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444444"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 12}" text-anchor="middle">secrets in the store (N, log scale)</text>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">median latency (log scale)</text>`);
  series.forEach((s, index) => {
    const points = s.values.map((v, i) => `${x(SIZES[i]!).toFixed(1)},${y(v).toFixed(1)}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const point of points) {
      const [px, py] = point.split(",");
      out.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${s.color}"/>`);
    }
    const ly = top + 10 + index * 22;
    out.push(`<line x1="${left + plotW + 14}" y1="${ly}" x2="${left + plotW + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${left + plotW + 46}" y="${ly}" dominant-baseline="middle">${s.label}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "build") return await build(Number(args[1]), args[2]!);
  if (args[0] === "measure") return console.log(JSON.stringify(await measure(Number(args[1]), args[2]!)));
  if (args[0] === "latency") {
    const stores = args.slice(1).map((arg) => ({ n: Number(arg.split("=")[0]), directory: arg.slice(arg.indexOf("=") + 1) }));
    return console.log(JSON.stringify({ results: await latency(stores) }));
  }

  const at = args.indexOf("--runtime");
  const runtime = (at >= 0 ? args[at + 1] : "deno") as string;
  if (runtime !== "deno" && runtime !== "bun") {
    throw new Error(`--runtime must be deno or bun (Node 20 cannot run this TypeScript file; got ${runtime})`);
  }
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const results: Measurement[] = [];
  const root = mkdtempSync(join(tmpdir(), "sm-bench-store-"));
  try {
    const directories = SIZES.map((n) => join(root, String(n)));
    for (const [index, n] of SIZES.entries()) {
      const built = runChild(runtime, ["build", String(n), directories[index]!]);
      const measured = runChild(runtime, ["measure", String(n), directories[index]!]) as unknown as Measurement;
      results.push({ ...measured, buildMs: built.buildMs as number, logBytes: built.logBytes as number });
      process.stderr.write(`N = ${n}: built, unlock and baseline measured (${fmt((performance.now() - started) / 1000)} s)\n`);
    }
    const latencies = runChild(runtime, ["latency", ...SIZES.map((n, i) => `${n}=${directories[i]}`)]).results as Latency[];
    for (const [index, l] of latencies.entries()) results[index] = { ...results[index]!, ...l };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const load = `${fmt(loadBefore, 1)} at the start, ${fmt(loadavg()[0]!, 1)} at the end`;
  const text = report(results, (performance.now() - started) / 1000, load);
  console.log(text);
  const out = join(ROOT, "bench", "out");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `store-${runtime}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(out, `store-${runtime}.txt`), text + "\n");
  const svg = chart(results, `SecretStore vs whole-file rewrite (${runtime})`);
  writeFileSync(runtime === "deno" ? join(ROOT, "docs", "bench-store.svg") : join(out, `bench-store-${runtime}.svg`), svg);
}

await main();
