/**
 * Mixed-runtime soak (`npm run soak`, not part of `npm test`): node, deno and bun workers
 * (scripts/soak.mjs) do random set/get/remove/copy on one SecretStore while a chaos loop kills a
 * random worker with SIGKILL every few seconds (and starts another), and this process compacts the
 * store now and then. At the end, a model check from the workers' journals: every acknowledged write
 * is there with its last value, nothing removed reappears (a name's last operation, if it was cut
 * short by a kill, may have happened or not). Prints counts of operations, kills and discrepancies.
 *
 *   deno run -A bench/soak.ts [--seconds 300] [--workers 6]
 *
 * Exits 1 when there is any discrepancy. Node runs the built package: `npm run build` first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../adapters/detect.ts";
import { SecretStore } from "../core/store/secret-store.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const WORKER = join(ROOT, "scripts", "soak.mjs");
type RuntimeName = "node" | "deno" | "bun";
const RUNTIMES: RuntimeName[] = ["node", "deno", "bun"];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? Number.NaN : Number(process.argv[at + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const seconds = Math.min(option("seconds", 300), 300); // bounded to 5 minutes
const workerCount = option("workers", 6);
const base = mkdtempSync(join(tmpdir(), "sm-soak-"));
const directory = join(base, "secretstore");
const runtime = await detectRuntime();
const store = await SecretStore.open({ runtime, directory });
await store.create({ config: { authentication: "none" } });

interface Worker {
  id: number;
  runtime: RuntimeName;
  journal: string;
  child: ChildProcess;
  exited: Promise<void>;
}

let nextId = 0;
const workers: Worker[] = [];
const retired: Worker[] = [];
const failures: string[] = [];

function command(name: RuntimeName, args: string[]): [string, string[]] {
  if (name === "deno") return [join(BIN, "deno"), ["run", "-A", "--quiet", WORKER, join(ROOT, "mod.ts"), ...args]];
  if (name === "bun") return [join(BIN, "bun"), [WORKER, join(ROOT, "mod.ts"), ...args]];
  return [process.execPath.includes("deno") ? "node" : process.execPath, [WORKER, join(ROOT, "dist", "mod.js"), ...args]];
}

function startWorker(name: RuntimeName): void {
  const id = nextId++;
  const journal = join(base, `journal-${id}`);
  writeFileSync(journal, "");
  const [cmd, args] = command(name, [directory, journal, String(id)]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk));
  const worker: Worker = { id, runtime: name, journal, child, exited: Promise.resolve() };
  worker.exited = new Promise((done) =>
    child.on("close", (code, signal) => {
      // Killed by the chaos loop (SIGKILL) is expected; any other exit is a failure of the store.
      if (signal !== "SIGKILL") failures.push(`worker ${id} (${name}) exited with ${code ?? signal}: ${stderr.trim().slice(0, 500)}`);
      done();
    })
  );
  workers.push(worker);
}

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

for (let i = 0; i < workerCount; i++) startWorker(RUNTIMES[i % RUNTIMES.length]!);
let kills = 0;
let compactions = 0;
const deadline = Date.now() + seconds * 1000;
while (Date.now() < deadline) {
  await sleep(1000 + Math.random() * 3000);
  const victim = pick(workers);
  victim.child.kill("SIGKILL");
  await victim.exited;
  kills++;
  workers.splice(workers.indexOf(victim), 1);
  retired.push(victim);
  startWorker(pick(RUNTIMES));
  if (Math.random() < 0.5) {
    try {
      await store.compact();
      compactions++;
    } catch (error) {
      failures.push(`compaction: ${(error as Error).message}`);
    }
  }
}
for (const worker of workers.splice(0)) {
  worker.child.kill("SIGKILL");
  await worker.exited;
  retired.push(worker);
}

// The model check: per name, the last acknowledged state, and the one write that may be in flight.
let operations = 0;
let reads = 0;
const discrepancies: string[] = [];
const expected = new Map<string, { acknowledged: string | undefined; inFlight: { value: string | undefined } | undefined }>();
for (const worker of retired) {
  let pending: { name: string; value: string | undefined } | undefined;
  for (const line of readFileSync(worker.journal, "utf8").split("\n")) {
    if (line === "") continue;
    if (line === "G") reads++;
    else if (line.startsWith("X ")) discrepancies.push(`worker ${worker.id} (${worker.runtime}) read a wrong value: ${line}`);
    else if (line.startsWith("B ")) {
      const [, op, name, ...rest] = line.split(" ");
      pending = { name: name!, value: op === "set" ? rest.join(" ") : undefined };
    } else if (line === "A" && pending) {
      expected.set(pending.name, { acknowledged: pending.value, inFlight: undefined });
      operations++;
      pending = undefined;
    }
  }
  if (pending) {
    const entry = expected.get(pending.name) ?? { acknowledged: undefined, inFlight: undefined };
    expected.set(pending.name, { ...entry, inFlight: { value: pending.value } });
  }
}
const reader = await SecretStore.open({ runtime, directory });
const present = new Set((await reader.list("*")).map((info) => info.name));
for (const [name, { acknowledged, inFlight }] of expected) {
  const actual = (await reader.get(name)) as string | undefined;
  const allowed = [acknowledged, ...(inFlight ? [inFlight.value] : [])];
  if (!allowed.includes(actual)) {
    discrepancies.push(`${name}: found ${actual === undefined ? "nothing" : actual.slice(0, 20)}, expected ${allowed.map((v) => v?.slice(0, 20) ?? "nothing").join(" or ")}`);
  }
  present.delete(name);
}
for (const name of present) discrepancies.push(`${name}: present, but no worker wrote it`);
discrepancies.push(...failures);

const byRuntime = Object.fromEntries(RUNTIMES.map((name) => [name, retired.filter((w) => w.runtime === name).length]));
console.log(`soak: ${seconds} s, ${retired.length} worker processes (${JSON.stringify(byRuntime)})`);
console.log(`soak: ${operations} acknowledged writes, ${reads} checked reads, ${kills} kills (SIGKILL), ${compactions} compactions by the chaos loop`);
console.log(`soak: ${expected.size} names model-checked, ${discrepancies.length} discrepancies`);
for (const line of discrepancies.slice(0, 20)) console.log(`  ${line}`);
rmSync(base, { recursive: true, force: true });
process.exit(discrepancies.length === 0 ? 0 : 1);
