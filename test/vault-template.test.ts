/**
 * The vault template (examples/vault-template) as a user of it would meet it: packed, installed
 * with the packed secretmanagement into an empty project, registered by package name through the
 * CLI and the library, and passing the exported conformance suite under vitest, deno test and
 * bun test.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { homeEnv } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";

const TEMPLATE = join(ROOT, "examples/vault-template");
const NAME = "secretmanagement-vault-jsonfile";

function pack(dir: string, out: string): string {
  const before = new Set(readdirSync(out));
  execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], { cwd: dir });
  return join(out, readdirSync(out).find((file) => file.endsWith(".tgz") && !before.has(file))!);
}

describe("the vault template, packed and installed", () => {
  let project: string;
  const env = { ...process.env, NO_COLOR: "1" };

  beforeAll(() => {
    const out = tempHome("template-pack");
    const library = pack(ROOT, out);
    const template = pack(TEMPLATE, out);
    // Two packages a user might meet: one that is not a vault (no keyword), one whose default export is not one.
    const bad = (name: string, keywords: string[], source: string) => {
      const dir = join(tempHome("template-bad"), name);
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "0.0.1", type: "module", keywords, exports: "./mod.js" }));
      writeFileSync(join(dir, "mod.js"), source);
      return pack(dir, out);
    };
    const noKeyword = bad("plain-helper-lib", ["vault"], `import { writeFileSync } from "node:fs"; writeFileSync(process.env.IMPORT_MARKER, "ran"); export default () => ({});`);
    const broken = bad("secretmanagement-vault-broken", ["secretmanagement-vault"], `export default { not: "a factory" };`);
    project = tempHome("template-consumer");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", library, template, noKeyword, broken], { cwd: project });
    cpSync(join(TEMPLATE, "test"), join(project, "test"), { recursive: true });
  }, 180_000);

  it("registers by package name through the CLI and serves every operation", () => {
    const home = tempHome("template-home");
    const file = join(home, "notes.json");
    const run = (args: string[], input?: string) =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home), input, encoding: "utf8" });
    expect(run(["vault", "register", "notes", NAME, "--param", `path=${file}`])).toMatchObject({ status: 0 });
    expect(JSON.parse(run(["vault", "list", "--json"]).stdout)).toMatchObject([{ name: "notes", module: NAME, version: "1.0.0" }]);
    expect(run(["vault", "list"]).stdout).toContain(`notes  ${NAME}@1.0.0  yes`);
    expect(run(["set", "api-token", "--stdin", "--vault", "notes", "--meta", "owner=ops"], "s3cret")).toMatchObject({ status: 0 });
    expect(run(["get", "API-TOKEN"])).toMatchObject({ status: 0, stdout: "s3cret" });
    expect(JSON.parse(run(["info", "--json"]).stdout)).toEqual([
      { name: "api-token", type: "string", vault: "notes", metadata: { owner: "ops" } },
    ]);
    expect(readFileSync(file, "utf8")).not.toContain("owner\":\"dev");
    expect(run(["remove", "api-token", "--vault", "notes"])).toMatchObject({ status: 0 });
    expect(run(["get", "api-token"]).status).toBe(3);
    const unknown = run(["vault", "register", "bad", NAME, "--param", `path=${file}`, "--param", "token=canary-1234"]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("unknown parameter token");
    expect(unknown.stderr).not.toContain("canary-1234");
  });

  it("refuses a package without the keyword, one with a broken default export, and one not installed; registers nothing", () => {
    const home = tempHome("template-refusals");
    const marker = join(home, "imported");
    const run = (args: string[]) =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home, { IMPORT_MARKER: marker }), encoding: "utf8" });
    const noKeyword = run(["vault", "register", "x", "plain-helper-lib"]);
    expect(noKeyword.status).toBe(1);
    expect(existsSync(marker)).toBe(false); // refused before its code ran
    expect(noKeyword.stderr).toContain('package "plain-helper-lib" is not a vault extension');
    const broken = run(["vault", "register", "y", "secretmanagement-vault-broken"]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain("has no default export made with defineVault(factory)");
    const missing = run(["vault", "register", "z", "secretmanagement-vault-nope"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("npm i secretmanagement-vault-nope (Deno: deno add npm:secretmanagement-vault-nope; Bun: bun add secretmanagement-vault-nope)");
    expect(existsSync(join(home, "vaults.json"))).toBe(false);
  });

  it("registers by package name through the library", () => {
    writeFileSync(join(project, "lib.mjs"), `
import { SecretManagement } from "secretmanagement";
const sm = await SecretManagement.open({ home: process.argv[2] });
await sm.registerVault("notes", "${NAME}", { parameters: { path: process.argv[2] + "/n.json" } });
await sm.setSecret("db", { username: "app", password: "pw" });
console.log(JSON.stringify(await sm.getSecret("db")), (await sm.getVaults())[0].module);`);
    const printed = execFileSync(process.execPath, ["lib.mjs", tempHome("template-lib")], { cwd: project, encoding: "utf8" });
    expect(printed.trim()).toBe(`{"username":"app","password":"pw"} ${NAME}`);
  });

  it("passes the exported conformance suite under vitest, deno test and bun test", () => {
    const vitest = spawnSync(join(BIN, "vitest"), ["run", "--globals", "--root", project, "test/"], { cwd: project, env, encoding: "utf8", timeout: 120_000 });
    expect(vitest.stdout + vitest.stderr).toMatch(/Tests\s+1[0-9] passed/);
    expect(vitest.status).toBe(0);
    const deno = spawnSync(join(BIN, "deno"), ["test", "-A", "--no-check", "test/"], { cwd: project, env, encoding: "utf8", timeout: 120_000 });
    expect(deno.stdout + deno.stderr).toMatch(/ok \| 1 passed \(1[0-9] steps\)/);
    expect(deno.status).toBe(0);
    const bun = spawnSync(join(BIN, "bun"), ["test", "test/"], { cwd: project, env, encoding: "utf8", timeout: 120_000 });
    expect(bun.stdout + bun.stderr).toMatch(/1[0-9] pass/);
    expect(bun.stdout + bun.stderr).toContain(" 0 fail");
    expect(bun.status).toBe(0);
  });
});
