/**
 * Deno as its users install it (docs/install.md): from an empty directory outside the checkout, a
 * script imports the packed package through `npm:secretmanagement` (a local node_modules made from
 * the tarball) or the checkout's mod.ts by path with its import map, and runs with the documented
 * minimal permission flags — and stops with Deno's permission error without them. Also what
 * publishing to JSR checks (`deno publish --dry-run`), and `deno task secret` with and without
 * `npm ci` (deno task would otherwise run node_modules/.bin/deno, a native binary, as JavaScript).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";

const DENO = join(BIN, "deno");
/** PATH with the real deno executable on it and no node_modules/.bin: a machine with Deno installed. */
const DENO_PATH = `${dirname(realpathSync(DENO))}:/usr/bin:/bin`;
const PASSWORD = "deno-store-password";

/** The documented flags (docs/install.md), for a home given by SECRETMANAGEMENT_HOME. */
function flags(kind: "read" | "write", home: string): string[] {
  const env = "--allow-env=SECRETMANAGEMENT_HOME,SECRETMANAGEMENT_LOCK_STALE_MS,SECRETSTORE_PASSWORD,XDG_CONFIG_HOME,HOME";
  return kind === "read"
    ? ["--allow-sys=uid", env, `--allow-read=${home}`]
    : ["--allow-sys=uid,hostname", env, `--allow-read=${home}`, `--allow-write=${home}`];
}

function scripts(dir: string, specifier: string): { write: string; read: string } {
  const open = `import { SecretManagement } from "${specifier}";
const sm = await SecretManagement.open();
await sm.unlockVault("local", Deno.env.get("SECRETSTORE_PASSWORD")!);`;
  writeFileSync(join(dir, "write.ts"), `${open}\nawait sm.setSecret("db", "s3cret-from-deno");\nconsole.log("written on", sm.runtime.name);\n`);
  writeFileSync(join(dir, "read.ts"), `${open}\nconsole.log(await sm.getSecret("db"));\n`);
  return { write: join(dir, "write.ts"), read: join(dir, "read.ts") };
}

function deno(cwd: string, args: string[], home: string) {
  return spawnSync(DENO, ["run", "--quiet", "--no-prompt", ...args], {
    cwd,
    env: { ...process.env, SECRETMANAGEMENT_HOME: home, SECRETSTORE_PASSWORD: PASSWORD },
    encoding: "utf8",
    timeout: 60_000,
  });
}

/** Writes with the write flags, reads with the read flags; fails with Deno's permission error without. */
function checkFlags(cwd: string, script: { write: string; read: string }, extra: string[] = []) {
  const home = join(tempHome("deno-flags"), "home");
  mkdirSync(home, { mode: 0o700 });
  const bare = deno(cwd, [...extra, script.write], home);
  expect(bare.status).not.toBe(0);
  expect(bare.stderr).toMatch(/NotCapable: Requires \w+ access to .*, run again with the --allow-\w+ flag/);
  expect(deno(cwd, [...extra, ...flags("write", home), script.write], home)).toMatchObject({ status: 0, stdout: "written on deno\n" });
  expect(deno(cwd, [...extra, ...flags("read", home), script.read], home)).toMatchObject({ status: 0, stdout: "s3cret-from-deno\n" });
  const readOnly = deno(cwd, [...extra, ...flags("read", home), script.write], home);
  expect(readOnly.status).not.toBe(0);
  expect(readOnly.stderr).toMatch(/Requires \w+ access to .*, run again with the --allow-\w+ flag/);
}

describe("Deno users", () => {
  let project: string;

  beforeAll(() => {
    const out = tempHome("deno-pack");
    // --ignore-scripts: pack the dist/ that `npm test` built, without rebuilding it under other tests.
    execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], { cwd: ROOT });
    const tarball = readdirSync(out).find((file) => file.endsWith(".tgz"))!;
    project = tempHome("deno-consumer");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", join(out, tarball)], { cwd: project });
  }, 180_000);

  it("import npm:secretmanagement from a local node_modules, with the minimal flags", () => {
    checkFlags(project, scripts(project, "npm:secretmanagement"));
  });

  it("import the checkout's mod.ts by path with its import map, with the minimal flags", () => {
    const dir = tempHome("deno-by-path");
    checkFlags(dir, scripts(dir, join(ROOT, "mod.ts")), ["--config", join(ROOT, "deno.json")]);
  });
});

describe("Deno publishing and tasks", () => {
  it("deno publish --dry-run passes: no errors, no slow types, LICENSE in, tests and benches out", () => {
    const result = spawnSync(DENO, ["publish", "--dry-run", "--allow-dirty"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(0);
    expect(output).not.toMatch(/error\[|errors for slow types/);
    expect(output).toContain("Dry run complete");
    expect(output).toMatch(/\/LICENSE \(/);
    expect(output).not.toMatch(/\/(test|bench)\//);
  }, 120_000);

  it("deno task secret runs the CLI after npm ci (node_modules/.bin/deno is not run as JavaScript)", () => {
    const result = spawnSync(DENO, ["task", "--quiet", "secret", "--version"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
  });

  it("deno task secret runs the CLI in a checkout without node_modules, from the directory it was started in", () => {
    const checkout = join(tempHome("deno-no-npm"), "checkout");
    const skip = new Set(["node_modules", "dist", ".tmp", "build", ".git"]);
    cpSync(ROOT, checkout, { recursive: true, filter: (source) => !skip.has(source.slice(ROOT.length + 1).split("/")[0]!) });
    const elsewhere = tempHome("deno-task-cwd");
    const result = spawnSync(DENO, ["task", "--quiet", "--config", join(checkout, "deno.json"), "secret", "--version"], {
      cwd: elsewhere,
      env: { ...process.env, PATH: DENO_PATH },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
  });
});
