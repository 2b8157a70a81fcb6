/**
 * The same `secret` scenario on Node (the built bin), Deno and Bun, through pipes, and the prompts
 * through a pseudo-terminal: the value is read without echo, strings print with a newline on a
 * terminal, and errors are coloured unless NO_COLOR is set.
 */
import { describe, expect, it } from "vitest";
import { registerFileVault, secret, secretInPty } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

const SECRET = "pa55-word-on-every-runtime";

describe.each(RUNTIMES)("secret on %s", (rt) => {
  it("set, get, info, run and the exit codes behave the same", () => {
    const home = tempHome(`cli-${rt}`);
    expect(registerFileVault(rt, home, "files").status).toBe(0);
    expect(secret(rt, home, ["set", "db", "--stdin", "--meta", "n=1"], { input: `${SECRET}\n` })).toMatchObject({
      status: 0,
      stdout: "",
      stderr: "",
    });
    expect(secret(rt, home, ["get", "db"])).toMatchObject({ status: 0, stdout: SECRET, stderr: "" });
    expect(JSON.parse(secret(rt, home, ["get", "db", "--json"]).stdout)).toEqual({ type: "string", value: SECRET });
    expect(JSON.parse(secret(rt, home, ["info", "--json"]).stdout)).toEqual([
      { name: "db", type: "string", vault: "files", metadata: { n: 1 } },
    ]);
    const run = secret(rt, home, ["run", "--env", "DB=secret://files/db", "--", "sh", "-c", 'echo "$DB"; exit 5']);
    expect(run).toMatchObject({ status: 5, stdout: "*****\n" });
    expect(secret(rt, home, ["inject"], { input: "v={{ secret://db }}" }).stdout).toBe(`v=${SECRET}`);
    const missing = secret(rt, home, ["get", "nope"]);
    expect(missing).toMatchObject({ status: 3, stdout: "", stderr: 'secret: no secret named "nope" in any vault\n' });
    const usage = secret(rt, home, ["st", "db"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('did you mean "set"?');
    expect(secret(rt, home, ["--version"]).stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
  });

  it("set prompts for the value on a terminal without echoing it; get adds a newline there", () => {
    const home = tempHome(`pty-${rt}`);
    expect(registerFileVault(rt, home, "files").status).toBe(0);
    const typed = "typed-on-the-terminal";
    const set = secretInPty(rt, home, ["set", "prompted"], [{ expect: "Value for prompted: ", send: `${typed}\r` }]);
    expect(set.error).toBeNull();
    expect(set.status).toBe(0);
    expect(set.output).not.toContain(typed);
    const get = secretInPty(rt, home, ["get", "prompted"], []);
    expect(get.status).toBe(0);
    expect(get.output).toBe(`${typed}\r\n`);
  });
});

describe("secret on a terminal", () => {
  it("colours the error prefix unless NO_COLOR is set", () => {
    const home = tempHome("colour");
    const coloured = secretInPty("bun", home, ["get", "x"], [], { env: { NO_COLOR: undefined } });
    expect(coloured.status).toBe(3);
    expect(coloured.output).toContain("\u001b[31msecret:\u001b[0m");
    const plain = secretInPty("bun", home, ["get", "x"], [], { env: { NO_COLOR: "1" } });
    expect(plain.output).not.toContain("\u001b[");
  });

  it("run leaves output unmasked when stdout is a terminal, and --mask masks it", () => {
    const home = tempHome("mask");
    registerFileVault("bun", home, "files");
    secret("bun", home, ["set", "db", SECRET]);
    const open = secretInPty("bun", home, ["run", "--env", "DB=db", "--", "sh", "-c", 'echo "$DB"'], []);
    expect(open.output).toContain(SECRET);
    const masked = secretInPty("bun", home, ["run", "--mask", "--env", "DB=db", "--", "sh", "-c", 'echo "$DB"'], []);
    expect(masked.output).toContain("*****");
    expect(masked.output).not.toContain(SECRET);
  });
});
