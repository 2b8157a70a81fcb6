/**
 * `npm run bench:cli`: wall-clock latency of `secret get` per runtime with the unlock agent holding the
 * store key, against `pass show` (Debian pass + gpg, passphrase-less key) measured in the same run.
 * Also `secret --version` (bare start-up). Everything lives in a temp dir removed at the end.
 * Targets (issue 4): Bun <= 1.0x pass, Deno <= 1.5x, Node <= 2.5x.
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../cli/version.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const WARMUP = 3;
const PASSWORD = "bench-password";
const VALUE = "bench-secret-value";

const work = mkdtempSync(join(tmpdir(), "sm-bench-cli-"));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  SECRETMANAGEMENT_HOME: join(work, "home"),
  GNUPGHOME: join(work, "gnupg"),
  PASSWORD_STORE_DIR: join(work, "pass"),
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
  samples: number[];
}

/** Round-robin over the cases, so that load from elsewhere on the machine hits them all alike. */
function measure(cases: Case[]): void {
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const entry of cases) {
      const [command, ...args] = entry.command;
      const start = performance.now();
      const output = run(command!, args);
      const elapsed = performance.now() - start;
      if (output.trim() !== entry.expected) throw new Error(`${entry.label} printed ${JSON.stringify(output.slice(0, 40))}`);
      if (i >= WARMUP) entry.samples.push(elapsed);
    }
  }
  for (const entry of cases) entry.samples.sort((a, b) => a - b);
}

const cleanup: string[] = [];
const median = (s: number[]) => s[Math.floor(s.length / 2)]!;
const p90 = (s: number[]) => s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!;

try {
  // A fresh npm build for Node (a stale dist/ must not skew the numbers), inside the repository so
  // that its node_modules resolve.
  const dist = join(ROOT, ".tmp", `bench-cli-dist-${process.pid}`);
  cleanup.push(dist);
  run(join(BIN, "tsc"), ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", dist]);
  const secretOn: Record<string, string[]> = {
    bun: [join(BIN, "bun"), join(ROOT, "cli/main.ts")],
    deno: [join(BIN, "deno"), "run", "-A", "--quiet", join(ROOT, "cli/main.ts")],
    node: ["node", join(dist, "cli/main.js")],
  };

  // pass with a passphrase-less gpg key.
  mkdirSync(env.GNUPGHOME!, { mode: 0o700 });
  run("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "bench@example.invalid", "default", "default", "never"]);
  run("pass", ["init", "bench@example.invalid"]);
  run("pass", ["insert", "--multiline", "bench/db"], `${VALUE}\n`);

  // The local SecretStore with a password, unlocked once: the agent holds the key from here on.
  const [bun, ...bunArgs] = secretOn.bun!;
  run(bun!, [...bunArgs, "set", "db", "--stdin"], VALUE, { SECRETSTORE_PASSWORD: PASSWORD });
  run(bun!, [...bunArgs, "store", "unlock", "--password-stdin"], `${PASSWORD}\n`);

  const cases: Case[] = [{ label: "pass show (baseline)", command: ["pass", "show", "bench/db"], expected: VALUE, samples: [] }];
  for (const name of ["bun", "deno", "node"]) {
    cases.push({ label: `secret get, ${name}`, command: [...secretOn[name]!, "get", "db"], expected: VALUE, samples: [] });
  }
  for (const name of ["bun", "deno", "node"]) {
    const command = [...secretOn[name]!, "--version"];
    cases.push({ label: `secret --version, ${name}`, command, expected: `secret ${VERSION}`, samples: [] });
  }
  measure(cases);
  const baseline = median(cases[0]!.samples);
  console.log(`secret CLI latency, ${RUNS} rounds after ${WARMUP} warm-up rounds (ms, wall clock)\n`);
  console.log(`${"command".padEnd(28)}${"median".padStart(8)}${"p90".padStart(8)}${"vs pass".padStart(9)}`);
  for (const { label, samples } of cases) {
    console.log(
      `${label.padEnd(28)}${median(samples).toFixed(1).padStart(8)}${p90(samples).toFixed(1).padStart(8)}${
        (median(samples) / baseline).toFixed(2).padStart(8)
      }x`,
    );
  }
  console.log("\ntargets for secret get: bun <= 1.0x, deno <= 1.5x, node <= 2.5x of pass show");
  console.log(
    keepCa || !process.env.NODE_EXTRA_CA_CERTS
      ? "NODE_EXTRA_CA_CERTS as in the environment"
      : "NODE_EXTRA_CA_CERTS emptied for every command (BENCH_KEEP_CA=1 keeps it: +~100 ms per Node start here)",
  );
} finally {
  // Stop the agent this run started (a no-op when none did).
  spawnSync(join(BIN, "bun"), [join(ROOT, "cli/main.ts"), "store", "lock"], { env });
  spawnSync("gpgconf", ["--kill", "gpg-agent"], { env });
  for (const dir of [work, ...cleanup]) rmSync(dir, { recursive: true, force: true });
}
