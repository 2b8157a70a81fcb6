/**
 * `deno run -A bench/local-vaults.ts`: the keepass and os-keyring vaults next to the native tools
 * doing the same thing, measured in the same run (median of RUNS, ms).
 *
 * keepass: a KDBX 4 file of ENTRIES entries made by keepassxc-cli's own writer (Argon2id, 16 MiB,
 * 2 iterations for both sides), read warm through the vault vs one `keepassxc-cli show` process per
 * read (which opens the file and runs the KDF each time), and one write each way.
 * os-keyring: gnome-keyring on a private session bus, vault get/set/list vs `secret-tool`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SecretManagement } from "../mod.ts";
import { loadKdbxweb } from "../extensions/keepass/kdbxweb.ts";
import { startKeyringSession } from "../test/helpers/keyring-session.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ENTRIES = 200;
const PASSWORD = "bench-password";

function median(samples: number[]): number {
  const sorted = samples.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(runs: number, work: (i: number) => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work(i);
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function run(command: string, args: string[], input: string, env?: Record<string, string | undefined>): string {
  const result = spawnSync(command, args, { input, encoding: "utf8", env: env ?? process.env });
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

const rows: [string, string, number, string, number][] = [];
const row = (vault: string, op: string, ours: number, tool: string, theirs: number) =>
  rows.push([vault, op, ours, tool, theirs]);

const work = mkdtempSync(join(tmpdir(), "sm-bench-local-"));
try {
  // ---- keepass ----
  const path = join(work, "bench.kdbx");
  const kdbxweb = await loadKdbxweb();
  const credentials = new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD));
  await credentials.ready;
  const db = kdbxweb.Kdbx.create(credentials, "bench");
  db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
  db.header.kdfParameters!.set("M", kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(16 * 1024 * 1024));
  db.header.kdfParameters!.set("I", kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
  for (let i = 0; i < ENTRIES; i++) {
    const entry = db.createEntry(db.getDefaultGroup());
    entry.fields.set("Title", `entry-${i}`);
    entry.fields.set("UserName", `user-${i}`);
    entry.fields.set("Password", kdbxweb.ProtectedValue.fromString(`password-${i}`));
  }
  writeFileSync(path, new Uint8Array(await db.save()), { mode: 0o600 });
  run("keepassxc-cli", ["add", "-q", "-p", path, "rewritten-by-keepassxc"], `${PASSWORD}\nx\n`);

  const sm = await SecretManagement.open({ home: join(work, "home") });
  await sm.registerVault("kp", "keepass", { parameters: { path } });
  let start = performance.now();
  await sm.unlockVault("kp", PASSWORD);
  await sm.getSecret("entry-0", { vault: "kp" });
  const open = performance.now() - start;
  const show = await time(RUNS, (i) => run("keepassxc-cli", ["show", "-q", "-s", "-a", "Password", path, `entry-${i}`], `${PASSWORD}\n`));
  row("keepass", "first read (open + KDF)", open, "keepassxc-cli show", show);
  row("keepass", "warm read", await time(RUNS, (i) => sm.getSecret(`entry-${i}`, { vault: "kp" })), "keepassxc-cli show", show);
  const ourWrite = await time(RUNS, (i) => sm.setSecret(`new-${i}`, `value-${i}`, { vault: "kp" }));
  const theirWrite = await time(RUNS, (i) => run("keepassxc-cli", ["add", "-q", "-p", path, `cli-${i}`], `${PASSWORD}\nv${i}\n`));
  row("keepass", "write (KDF + whole file)", ourWrite, "keepassxc-cli add", theirWrite);
  start = performance.now();
  await sm.getSecretInfo("*", { vault: "kp" }); // reloads: keepassxc-cli changed the file
  const list = performance.now() - start;
  const ls = await time(3, () => run("keepassxc-cli", ["ls", "-q", path], `${PASSWORD}\n`));
  row("keepass", `list ${ENTRIES + 2 * RUNS + 1} (after reload)`, list, "keepassxc-cli ls", ls);

  // ---- os-keyring ----
  const session = await startKeyringSession();
  try {
    process.env.DBUS_SESSION_BUS_ADDRESS = session.busAddress;
    const service = "sm-bench";
    const kr = await SecretManagement.open({ home: join(work, "home-kr") });
    await kr.registerVault("kr", "os-keyring", { parameters: { service } });
    for (let i = 0; i < 100; i++) await kr.setSecret(`item-${i}`, `value-${i}`, { vault: "kr" });
    const ourGet = await time(RUNS, (i) => kr.getSecret(`item-${i}`, { vault: "kr" }));
    const toolGet = await time(RUNS, (i) => run("secret-tool", ["lookup", "service", service, "username", `item-${i}`], "", session.env));
    row("os-keyring", "get", ourGet, "secret-tool lookup", toolGet);
    const ourSet = await time(RUNS, (i) => kr.setSecret(`set-${i}`, `value-${i}`, { vault: "kr" }));
    const toolSet = await time(RUNS, (i) =>
      run("secret-tool", ["store", "--label=x", "service", `${service}-tool`, "username", `set-${i}`], `value-${i}`, session.env)
    );
    row("os-keyring", "set", ourSet, "secret-tool store", toolSet);
    const ourList = await time(5, () => kr.getSecretInfo("*", { vault: "kr" }));
    const toolList = await time(5, () => run("secret-tool", ["search", "--all", "service", service], "", session.env));
    row("os-keyring", `list ${100 + RUNS}`, ourList, "secret-tool search --all", toolList);
  } finally {
    await session.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`runtime: ${"Deno" in globalThis ? "deno" : "bun"}, median of ${RUNS} runs, ms`);
console.log("| vault | operation | this library | native tool | tool ms | ratio |");
console.log("|---|---|---:|---|---:|---:|");
for (const [vault, op, ours, tool, theirs] of rows) {
  console.log(`| ${vault} | ${op} | ${ours.toFixed(1)} | ${tool} | ${theirs.toFixed(1)} | ${(ours / theirs).toFixed(2)}x |`);
}
