/**
 * The standalone `secret` executable (`npm run build:binary`: `bun build --compile`), built here in
 * under a few seconds, through the CLI scenario the runtimes run (cli-runtimes.test.ts): set, get,
 * info, run, inject, exit codes, the unlock agent (which it starts as itself) and completion.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, homeEnv } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const SECRET = "pa55-word-in-the-binary";
const PASSWORD = "binary-store-password";
let binary: string;
const homes: string[] = [];

function run(home: string, args: string[], options: { input?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const result = spawnSync(binary, args, { env: homeEnv(home, options.env), input: options.input ?? "", encoding: "utf8", timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

function home(label: string): string {
  const dir = tempHome(label);
  homes.push(dir);
  return dir;
}

beforeAll(() => {
  // The command `npm run build:binary` runs, with the output moved out of the checkout.
  const script = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts["build:binary"] as string;
  expect(script).toMatch(/^bun build --compile .* --outfile build\/secret$/);
  binary = join(tempHome("binary"), "secret");
  const args = script.split(" ").slice(1, -1);
  execFileSync(join(ROOT, "node_modules/.bin/bun"), [...args, binary], { cwd: ROOT, stdio: "pipe" });
}, 120_000);

afterAll(() => {
  for (const dir of homes) run(dir, ["store", "lock"]);
});

describe("the standalone secret binary", () => {
  it("set, get, info, run, inject and the exit codes behave as on the runtimes", () => {
    const dir = home("binary-scenario");
    const password = { SECRETSTORE_PASSWORD: PASSWORD };
    expect(run(dir, ["set", "db", "--stdin", "--meta", "n=1"], { input: `${SECRET}\n`, env: password })).toMatchObject({
      status: 0,
      stdout: "",
      stderr: "",
    });
    expect(run(dir, ["get", "db"], { env: password })).toMatchObject({ status: 0, stdout: SECRET, stderr: "" });
    expect(JSON.parse(run(dir, ["get", "db", "--json"], { env: password }).stdout)).toEqual({ type: "string", value: SECRET });
    expect(JSON.parse(run(dir, ["info", "--json"], { env: password }).stdout)).toEqual([
      { name: "db", type: "string", vault: "local", metadata: { n: 1 } },
    ]);
    const child = run(dir, ["run", "--env", "DB=secret://local/db", "--", "sh", "-c", 'echo "$DB"; exit 5'], { env: password });
    expect(child).toMatchObject({ status: 5, stdout: "*****\n" });
    expect(run(dir, ["inject"], { input: "v={{ secret://db }}", env: password }).stdout).toBe(`v=${SECRET}`);
    expect(run(dir, ["get", "nope"], { env: password })).toMatchObject({
      status: 3,
      stdout: "",
      stderr: 'secret: no secret named "nope" in any vault\n',
    });
    expect(run(dir, ["get", "db"]).status).toBe(4); // locked, no password, no terminal
    const usage = run(dir, ["st", "db"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('did you mean "set"?');
    expect(run(dir, ["--version"]).stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
  });

  it("starts the unlock agent as itself, so later commands read without the password", () => {
    const dir = home("binary-agent");
    expect(run(dir, ["set", "db", "--stdin"], { input: SECRET, env: { SECRETSTORE_PASSWORD: PASSWORD } }).status).toBe(0);
    expect(run(dir, ["store", "unlock", "--password-stdin"], { input: `${PASSWORD}\n` })).toMatchObject({ status: 0, stderr: "" });
    expect(run(dir, ["get", "db"])).toMatchObject({ status: 0, stdout: SECRET });
    expect(run(dir, ["store", "lock"]).status).toBe(0);
    expect(run(dir, ["get", "db"]).status).toBe(4);
  });

  it("prints a completion script that calls the binary back, with no secret on PATH", () => {
    const dir = home("binary-completion");
    expect(run(dir, ["vault", "register", "ci", "env", "--param", "prefix=CI"]).status).toBe(0);
    const script = run(dir, ["completion", "bash"]).stdout;
    expect(script).toContain(`'${binary}' __complete --`);
    writeFileSync(join(dir, "completion.bash"), script);
    const result = spawnSync("bash", ["-c", [
      `source ${join(dir, "completion.bash")}`,
      "COMP_WORDS=(secret vault li); COMP_CWORD=2; _secret_complete; echo \"${COMPREPLY[*]}\"",
      "COMP_WORDS=(secret get --vault c); COMP_CWORD=3; _secret_complete; echo \"${COMPREPLY[*]}\"",
    ].join("\n")], { env: homeEnv(dir, { PATH: "/usr/bin:/bin" }), encoding: "utf8" });
    expect(result.stdout).toBe("list\nci\n");
  });
});
