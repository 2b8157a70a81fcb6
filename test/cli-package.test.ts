/**
 * The packed npm package in an empty project: the library imports with its types, `npx secret` runs
 * the bundled bin, and the completion script it prints completes with no `secret` on PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { homeEnv } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";

describe("npm package", () => {
  let project: string;

  beforeAll(() => {
    const out = tempHome("pack");
    // --ignore-scripts: pack the dist/ that `npm test` built, without rebuilding it under other tests.
    execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], { cwd: ROOT });
    const tarball = readdirSync(out).find((file) => file.endsWith(".tgz"))!;
    project = tempHome("consumer");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", join(out, tarball)], {
      cwd: project,
    });
  }, 180_000);

  it("imports the library, with declarations and no TypeScript sources", () => {
    writeFileSync(
      join(project, "use.mjs"),
      `import { SecretManagement } from "secretmanagement";
const sm = await SecretManagement.open({ home: process.argv[2] });
await sm.registerVault("m", "memory");
await sm.setSecret("k", new Uint8Array([0, 255]));
const value = await sm.getSecret("k");
console.log(value instanceof Uint8Array, [...value].join(","), sm.runtime.name);`,
    );
    const printed = execFileSync(process.execPath, ["use.mjs", tempHome("consumer-home")], { cwd: project, encoding: "utf8" });
    expect(printed.trim()).toBe("true 0,255 node");
    const dist = join(project, "node_modules/secretmanagement/dist");
    expect(readdirSync(dist)).toContain("mod.d.ts");
    expect(readdirSync(join(dist, "core")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("exports the sealed store reader, the extension kit, the conformance suite and one subpath per vault", () => {
    writeFileSync(
      join(project, "entries.mjs"),
      `import { openSealedStore, sealSecrets } from "secretmanagement";
import { defineVault, readParameters, HttpClient } from "secretmanagement/extension";
import { testVaultContract } from "secretmanagement/testing";
import memory from "secretmanagement/vaults/memory";
import hashicorpVault from "secretmanagement/vaults/hashicorp-vault";
import sealed from "secretmanagement/vaults/sealed";
const { bytes, key } = sealSecrets([{ name: "a", value: "b" }]);
const store = await openSealedStore(bytes, key);
console.log(await store.get("a"), [defineVault, readParameters, HttpClient, testVaultContract, memory, hashicorpVault, sealed].map((x) => typeof x).join(","));`,
    );
    const printed = execFileSync(process.execPath, ["entries.mjs"], { cwd: project, encoding: "utf8" });
    expect(printed.trim()).toBe("b function,function,function,function,function,function,function");
    expect(readdirSync(project)).toContain("node_modules");
    expect(readdirSync(join(project, "node_modules/secretmanagement"))).toContain("LICENSE");
  });

  it("runs npx secret", () => {
    const home = tempHome("cli-consumer-home");
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home, env), encoding: "utf8" });
    expect(run(["--version"]).stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
    expect(run(["vault", "register", "ci", "env", "--param", "prefix=CI"]).status).toBe(0);
    expect(run(["get", "token"], { CI_TOKEN: "t-1" })).toMatchObject({ status: 0, stdout: "t-1" });
    expect(run(["get", "missing"]).status).toBe(3);
  });

  it("runs the commands built as chunks of their own: run with an env file (dotenv), inject, store", () => {
    const home = tempHome("chunks-consumer-home");
    const run = (args: string[], input = "") =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home), input, encoding: "utf8" });
    expect(run(["set", "db", "--stdin", "--no-password"], "pw-1").status).toBe(0);
    writeFileSync(join(project, "chunks.env"), "# a comment\nexport DB=secret://db\nPLAIN='as is'\n");
    const ran = run(["run", "--no-mask", "-f", "chunks.env", "--", process.execPath, "-e", "console.log(process.env.DB, process.env.PLAIN)"]);
    expect(ran, ran.stderr).toMatchObject({ status: 0, stdout: "pw-1 as is\n", stderr: "" });
    expect(run(["inject"], "db={{ secret://db }}")).toMatchObject({ status: 0, stdout: "db=pw-1" });
    expect(run(["store", "config", "--json"]).stdout).toContain('"authentication": "none"');
  });

  it("the bin turns on Node's module compile cache where Node has one (22.1+)", () => {
    const tmp = tempHome("compile-cache-tmp");
    const env = homeEnv(tempHome("compile-cache-home"), { TMPDIR: tmp, NODE_COMPILE_CACHE: undefined });
    const bin = join(project, "node_modules/secretmanagement/dist/bin/secret.js");
    expect(spawnSync(process.execPath, [bin, "--version"], { env, encoding: "utf8" }).stdout).toMatch(/^secret /);
    // Node's default cache directory when the program enables it without one: <tmpdir>/node-compile-cache.
    const cache = join(tmp, "node-compile-cache");
    expect(existsSync(cache) && readdirSync(cache).length > 0).toBe(
      typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function",
    );
  });

  it("keeps the codes of errors thrown deep inside the bundled bin (a locked store exits 4); its agent serves the key", () => {
    const home = tempHome("locked-consumer-home");
    const run = (args: string[], env: Record<string, string> = {}, input = "") =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home, env), input, encoding: "utf8" });
    expect(run(["set", "db", "--stdin"], { SECRETSTORE_PASSWORD: "pw-1" }, "v")).toMatchObject({ status: 0, stderr: "" });
    expect(run(["get", "db"])).toMatchObject({
      status: 4,
      stderr: expect.stringContaining('vault "local" needs a password and there is no terminal to ask for it on'),
    });
    // The unlock agent, started by the bundled bin as dist/bin/main.js, serves the key to the next call.
    expect(run(["store", "unlock", "--password-stdin"], {}, "pw-1\n")).toMatchObject({ status: 0, stderr: "" });
    try {
      expect(run(["get", "db"])).toMatchObject({ status: 0, stdout: "v" });
    } finally {
      expect(run(["store", "lock"])).toMatchObject({ status: 0, stderr: "" });
    }
  });

  it("the bin is the bundled file, and its completion script calls back the command line that printed it", () => {
    const installed = join(project, "node_modules/secretmanagement");
    const bin = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).bin.secret;
    expect(bin).toBe("./dist/bin/secret.js");
    const home = tempHome("npx-completion-home");
    const env = homeEnv(home);
    expect(spawnSync("npx", ["--no-install", "secret", "vault", "register", "ci", "env", "--param", "prefix=CI"], { cwd: project, env }).status)
      .toBe(0);
    const script = spawnSync("npx", ["--no-install", "secret", "completion", "bash"], { cwd: project, env, encoding: "utf8" }).stdout;
    expect(script).toContain(join(installed, "dist/bin/main.js"));
    writeFileSync(join(home, "completion.bash"), script);
    // No secret on PATH: only the command line inside the script can answer.
    const result = spawnSync("bash", ["-c", [
      `source ${join(home, "completion.bash")}`,
      "COMP_WORDS=(secret vault li); COMP_CWORD=2; _secret_complete; echo \"${COMPREPLY[*]}\"",
      "COMP_WORDS=(secret get --vault c); COMP_CWORD=3; _secret_complete; echo \"${COMPREPLY[*]}\"",
    ].join("\n")], { env: { ...env, PATH: "/usr/bin:/bin" }, encoding: "utf8" });
    expect(result.stdout).toBe("list\nci\n");
  });

  it("bun x --bun runs the bin on Bun (plain bun x honours its node shebang); deno runs it as npm:secretmanagement", () => {
    const home = tempHome("bun-deno-consumer-home");
    const env = homeEnv(home, { CI_TOKEN: "t-2" });
    const callBack = (command: string, args: string[]) => {
      const result = spawnSync(command, [...args, "completion", "bash"], { cwd: project, env, encoding: "utf8" });
      return /COMPREPLY=\(\$\('([^']+)'/.exec(result.stdout)?.[1];
    };
    expect(callBack(join(BIN, "bun"), ["x", "--bun", "secret"])).toMatch(/bun(\.exe)?$/);
    expect(callBack(join(BIN, "bun"), ["x", "secret"])).toMatch(/node$/);
    const bun = (args: string[]) => spawnSync(join(BIN, "bun"), ["x", "--bun", "secret", ...args], { cwd: project, env, encoding: "utf8" });
    expect(bun(["vault", "register", "ci", "env", "--param", "prefix=CI"]).status).toBe(0);
    expect(bun(["get", "token"])).toMatchObject({ status: 0, stdout: "t-2" });
    // The CLI flags docs/install.md gives for Deno.
    const denoFlags = ["--allow-env", "--allow-sys=uid,hostname", `--allow-read=${home}`, `--allow-write=${home}`, "--allow-net", "--allow-run"];
    expect(callBack(join(BIN, "deno"), ["run", "--quiet", ...denoFlags, "npm:secretmanagement"])).toMatch(/deno$/);
    const deno = spawnSync(join(BIN, "deno"), ["run", "--quiet", "--no-prompt", ...denoFlags, "npm:secretmanagement", "get", "token"], {
      cwd: project,
      env,
      encoding: "utf8",
    });
    expect(deno).toMatchObject({ status: 0, stdout: "t-2", stderr: "" });
  });

  it("on Bun the bin never sets up process.stdout or process.stderr (Node's stream layer costs Bun ~12 ms CPU)", () => {
    const home = tempHome("bun-streams-home");
    const trap = join(home, "trap.mjs");
    writeFileSync(trap, `import { writeSync } from "node:fs";
for (const name of ["stdout", "stderr"]) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, {
    configurable: true,
    get() {
      writeSync(2, "process." + name + " touched\\n");
      Object.defineProperty(process, name, own);
      return process[name];
    },
  });
}`);
    const bin = join(project, "node_modules/secretmanagement/dist/bin/secret.js");
    const bun = (args: string[]) =>
      spawnSync(join(BIN, "bun"), ["--preload", trap, bin, ...args], { env: homeEnv(home, { CI_TOKEN: "t-3" }), encoding: "utf8" });
    expect(bun(["--version"])).toMatchObject({ status: 0, stderr: "" });
    expect(bun(["vault", "register", "ci", "env", "--param", "prefix=CI"])).toMatchObject({ status: 0, stderr: "" });
    expect(bun(["get", "token"])).toMatchObject({ status: 0, stdout: "t-3", stderr: "" });
    expect(bun(["get", "missing"])).toMatchObject({ status: 3, stderr: 'secret: no secret named "missing" in any vault\n' });
  });
});
