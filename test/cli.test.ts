/**
 * Every `secret` command, driven as a real process through pipes on one runtime (Bun, the quickest
 * to start); test/cli-runtimes.test.ts runs a representative scenario on all three.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../cli/args.ts";
import { Masker } from "../cli/mask.ts";
import { COMMANDS } from "../cli/table.ts";
import { VERSION } from "../cli/version.ts";
import { homeEnv, registerFileVault, secret, secretBytes, secretCommand } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const rt = "bun" as const;
const SECRET = "Tr0ub4dor&3-never-shown";

function freshHome(): string {
  const home = tempHome("cli");
  expect(registerFileVault(rt, home, "files").status).toBe(0);
  return home;
}

describe("secret: conventions", () => {
  it("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
    const result = secret(rt, tempHome(), ["--version"]);
    expect(result).toMatchObject({ status: 0, stdout: `secret ${pkg.version}\n` });
  });

  it("--help lists every visible command, and each command's help lists each of its flags", () => {
    const home = tempHome();
    const overview = secret(rt, home, ["--help"]);
    expect(overview.status).toBe(0);
    for (const command of COMMANDS.filter((c) => !c.hidden)) {
      expect(overview.stdout).toContain(`  ${command.path.join(" ")}  `.replace(/  $/, ""));
    }
    expect(overview.stdout).not.toContain("__agent");
    for (const command of COMMANDS.filter((c) => !c.hidden && c.flags.length > 2)) {
      const help = secret(rt, home, [...command.path, "--help"]);
      expect(help.status).toBe(0);
      expect(help.stdout.split("\n")[0]).toMatch(new RegExp(`^secret ${command.path.join(" ")}`));
      for (const flag of command.flags) expect(help.stdout).toContain(`--${flag.name}`);
    }
  });

  it("the parser accepts --flag=value, --flag value, -x value, and -- ends options", () => {
    const parsed = parseCommandLine(COMMANDS, ["set", "--vault=v", "name", "--meta", "a=1", "--meta=b=2", "--", "--value"]);
    expect(parsed.args).toEqual({ name: "name", value: "--value" });
    expect(parsed.flags).toEqual({ vault: "v", meta: ["a=1", "b=2"] });
    expect(parseCommandLine(COMMANDS, ["inject", "-i", "t", "-oout"]).flags).toEqual({ in: "t", out: "out" });
    const run = parseCommandLine(COMMANDS, ["run", "--env", "A=b", "sh", "-c", "echo --env"]);
    expect(run.args.command).toEqual(["sh", "-c", "echo --env"]);
    expect(() => parseCommandLine(COMMANDS, ["get"])).toThrow(UsageError);
    expect(() => parseCommandLine(COMMANDS, ["get", "a", "b"])).toThrow(/unexpected argument/);
    expect(() => parseCommandLine(COMMANDS, ["get", "a", "--vault"])).toThrow(/needs a value/);
    expect(() => parseCommandLine(COMMANDS, ["set", "a", "--type", "strng"])).toThrow(/did you mean "string"/);
  });

  it("an unknown command or flag is a usage error (exit 2) with a suggestion", () => {
    const home = tempHome();
    const command = secret(rt, home, ["gte", "db"]);
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('unknown command "gte" (did you mean "get"?)');
    const sub = secret(rt, home, ["vault", "lst"]);
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain('did you mean "vault list"');
    const flag = secret(rt, home, ["get", "db", "--vualt", "x"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('unknown flag --vualt for "secret get" (did you mean "--vault"?)');
    expect(secret(rt, home, ["get"]).status).toBe(2);
    expect(secret(rt, home, []).status).toBe(2);
  });

  it("errors are one line on stderr without a stack, and the stack only with --debug", () => {
    const home = freshHome();
    const plain = secret(rt, home, ["get", "missing"]);
    expect(plain.status).toBe(3);
    expect(plain.stderr).toBe('secret: no secret named "missing" in any vault\n');
    const debug = secret(rt, home, ["get", "missing", "--debug"]);
    expect(debug.status).toBe(3);
    expect(debug.stderr).toMatch(/SecretManagementError[\s\S]*at /);
  });
});

describe("secret vault", () => {
  it("registers, lists (table and JSON), sets the default, tests and unregisters", () => {
    const home = tempHome();
    expect(secret(rt, home, ["vault", "register", "m", "env", "--description", "scratch"])).toMatchObject({
      status: 0,
      stdout: "registered vault m (default)\n",
    });
    expect(secret(rt, home, ["vault", "register", "e", "env", "--param", "prefix=APP"]).status).toBe(0);
    const list = secret(rt, home, ["vault", "list"]);
    expect(list.stdout).toMatch(/^NAME\s+MODULE\s+DEFAULT\s+DESCRIPTION\ne\s+env\s*\nm\s+env\s+yes\s+scratch\n$/);
    const json = JSON.parse(secret(rt, home, ["vault", "list", "--json"]).stdout);
    expect(json).toEqual([
      { name: "e", module: "env", description: "", parameters: { prefix: "APP" }, isDefault: false },
      { name: "m", module: "env", description: "scratch", parameters: {}, isDefault: true },
    ]);
    expect(JSON.parse(secret(rt, home, ["vault", "list", "e*", "--json"]).stdout)).toHaveLength(1);
    expect(secret(rt, home, ["vault", "default", "e"]).status).toBe(0);
    expect(JSON.parse(secret(rt, home, ["vault", "list", "--json"]).stdout)[0].isDefault).toBe(true);
    expect(secret(rt, home, ["vault", "default", "--clear"]).status).toBe(0);
    expect(JSON.parse(secret(rt, home, ["vault", "list", "--json"]).stdout).some((v: { isDefault: boolean }) => v.isDefault))
      .toBe(false);
    expect(secret(rt, home, ["vault", "default"]).status).toBe(2);
    expect(secret(rt, home, ["vault", "test"])).toMatchObject({ status: 0, stdout: "ok\n" });
    expect(secret(rt, home, ["vault", "register", "m", "env"]).status).toBe(1); // VAULT_EXISTS
    expect(secret(rt, home, ["vault", "register", "m", "env", "--allow-clobber"]).status).toBe(0);
    expect(secret(rt, home, ["vault", "unregister", "m", "e"]).status).toBe(0);
    expect(secret(rt, home, ["vault", "list", "--json"]).stdout.trim()).toBe("[]");
  });

  it("a missing vault exits 3, an invalid module exits 1", () => {
    const home = tempHome();
    expect(secret(rt, home, ["vault", "unregister", "nope"]).status).toBe(3);
    expect(secret(rt, home, ["vault", "default", "nope"]).status).toBe(3);
    expect(secret(rt, home, ["get", "x", "--vault", "nope"]).status).toBe(3);
    const bad = secret(rt, home, ["vault", "register", "b", join(ROOT, "test/fixtures/extensions/missing-method.mjs")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^secret: .*missing method/);
  });

  it("vault unlock of a vault without a password is an error, not a prompt", () => {
    const home = tempHome();
    secret(rt, home, ["vault", "register", "m", "env"]);
    const result = secret(rt, home, ["vault", "unlock", "m", "--password-stdin"], { input: "pw\n" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot be unlocked");
    expect(result.stderr).not.toContain("pw");
  });
});

describe("secret set / get / info / meta / remove", () => {
  let home: string;
  beforeAll(() => {
    home = freshHome();
  });

  it("stores a string from an argument and from stdin (one trailing newline dropped)", () => {
    expect(secret(rt, home, ["set", "arg", "from-arg"]).status).toBe(0);
    expect(secret(rt, home, ["get", "arg"])).toMatchObject({ status: 0, stdout: "from-arg", stderr: "" });
    expect(secret(rt, home, ["set", "piped", "--stdin"], { input: `${SECRET}\n` }).status).toBe(0);
    expect(secret(rt, home, ["get", "PIPED"]).stdout).toBe(SECRET);
    expect(secret(rt, home, ["set", "two", "--stdin"], { input: "line1\nline2\n\n" }).status).toBe(0);
    expect(secret(rt, home, ["get", "two"]).stdout).toBe("line1\nline2\n");
    expect(JSON.parse(secret(rt, home, ["get", "arg", "--json"]).stdout)).toEqual({ type: "string", value: "from-arg" });
  });

  it("without a value and without a terminal, set is a usage error naming --stdin", () => {
    const result = secret(rt, home, ["set", "novalue"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--stdin");
  });

  it("bytes: base64 argument, raw stdin, raw output, base64 in --json; all 256 byte values", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(secret(rt, home, ["set", "raw", "--type", "bytes", "--stdin"], { input: all }).status).toBe(0);
    const raw = secretBytes(rt, home, ["get", "raw"]);
    expect(raw.status).toBe(0);
    expect(Array.from(raw.stdout)).toEqual(Array.from(all));
    expect(JSON.parse(secret(rt, home, ["get", "raw", "--json"]).stdout)).toEqual({
      type: "bytes",
      value: Buffer.from(all).toString("base64"),
    });
    expect(secret(rt, home, ["set", "b64", "--type", "bytes", "AAEC/w=="]).status).toBe(0);
    expect(Array.from(secretBytes(rt, home, ["get", "b64"]).stdout)).toEqual([0, 1, 2, 255]);
  });

  it("--type bytes with invalid base64 is a usage error that does not echo the value", () => {
    const result = secret(rt, home, ["set", "bad", "--type", "bytes", `${SECRET}!!`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("not valid base64");
    expect(result.stderr).not.toContain(SECRET);
    expect(secret(rt, home, ["get", "bad"]).status).toBe(3);
  });

  it("credential: --username with the password as the value; --field picks a part", () => {
    expect(secret(rt, home, ["set", "db", "--type", "credential", "--username", "app", "--stdin"], { input: SECRET }).status)
      .toBe(0);
    expect(secret(rt, home, ["get", "db", "--field", "username"]).stdout).toBe("app");
    expect(secret(rt, home, ["get", "db", "--field", "password"]).stdout).toBe(SECRET);
    expect(JSON.parse(secret(rt, home, ["get", "db", "--json"]).stdout)).toEqual({
      type: "credential",
      value: { username: "app", password: SECRET },
    });
    expect(JSON.parse(secret(rt, home, ["get", "db"]).stdout)).toEqual({ username: "app", password: SECRET });
    expect(secret(rt, home, ["get", "db", "--field", "nope"]).status).toBe(3);
    expect(secret(rt, home, ["set", "c", "x", "--type", "credential"]).status).toBe(2);
    expect(secret(rt, home, ["set", "c", "x", "--username", "u", "--type", "string"]).status).toBe(2);
  });

  it("map: a JSON object of strings, bytes and credentials", () => {
    const map = { host: "db.local", key: { bytes: "AQID" }, admin: { username: "root", password: "pw" } };
    expect(secret(rt, home, ["set", "cfg", "--type", "map", "--stdin"], { input: JSON.stringify(map) }).status).toBe(0);
    expect(JSON.parse(secret(rt, home, ["get", "cfg", "--json"]).stdout)).toEqual({ type: "map", value: map });
    expect(secret(rt, home, ["get", "cfg", "--field", "host"]).stdout).toBe("db.local");
    expect(JSON.parse(secret(rt, home, ["get", "cfg", "--field", "admin", "--json"]).stdout).type).toBe("credential");
    for (const bad of ["not json", "[1]", '{"n": 5}']) {
      const result = secret(rt, home, ["set", "badmap", "--type", "map", "--stdin"], { input: bad });
      expect(result.status).toBe(2);
    }
  });

  it("--meta is typed (number, boolean, ISO date, text); info lists it; --meta without = is a usage error", () => {
    const meta = ["--meta", "n=42", "--meta", "f=1.5", "--meta", "ok=true", "--meta", "on=2024-05-01T10:00:00Z", "--meta", "t=v=w"];
    expect(secret(rt, home, ["set", "typed", "v", ...meta]).status).toBe(0);
    const [info] = JSON.parse(secret(rt, home, ["info", "typed", "--json"]).stdout);
    expect(info).toEqual({
      name: "typed",
      type: "string",
      vault: "files",
      metadata: { n: 42, f: 1.5, ok: true, on: "2024-05-01T10:00:00.000Z", t: "v=w" },
    });
    const table = secret(rt, home, ["info", "typed"]).stdout;
    expect(table).toMatch(/^NAME\s+TYPE\s+VAULT\s+METADATA\ntyped\s+string\s+files\s+n=42 f=1.5 ok=true on=2024-05-01T10:00:00.000Z t=v=w\n$/);
    const bad = secret(rt, home, ["set", "typed2", "v", "--meta", "novalue"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--meta needs key=value");
    expect(secret(rt, home, ["get", "typed2"]).status).toBe(3);
  });

  it("info filters with wildcards; meta replaces and clears metadata", () => {
    const names = JSON.parse(secret(rt, home, ["info", "ty*", "--json"]).stdout).map((i: { name: string }) => i.name);
    expect(names).toEqual(["typed"]);
    expect(JSON.parse(secret(rt, home, ["info", "?b", "--json"]).stdout).map((i: { name: string }) => i.name)).toEqual(["db"]);
    expect(secret(rt, home, ["meta", "typed", "--meta", "owner=ops"]).status).toBe(0);
    expect(JSON.parse(secret(rt, home, ["info", "typed", "--json"]).stdout)[0].metadata).toEqual({ owner: "ops" });
    expect(secret(rt, home, ["meta", "typed", "--clear"]).status).toBe(0);
    expect(JSON.parse(secret(rt, home, ["info", "typed", "--json"]).stdout)[0].metadata).toEqual({});
    expect(secret(rt, home, ["meta", "typed"]).status).toBe(2);
    expect(secret(rt, home, ["meta", "nope", "--meta", "a=b"]).status).toBe(3);
  });

  it("--no-clobber refuses to overwrite, without showing the value", () => {
    const result = secret(rt, home, ["set", "piped", "--no-clobber", "--stdin"], { input: "other-value-xyz" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("already exists");
    expect(result.stderr).not.toContain("other-value-xyz");
    expect(secret(rt, home, ["get", "piped"]).stdout).toBe(SECRET);
  });

  it("remove needs --vault; a removed secret is not found (exit 3)", () => {
    expect(secret(rt, home, ["remove", "arg"]).status).toBe(2);
    expect(secret(rt, home, ["remove", "arg", "--vault", "files"]).status).toBe(0);
    expect(secret(rt, home, ["get", "arg"]).status).toBe(3);
    expect(secret(rt, home, ["remove", "arg", "--vault", "files"]).status).toBe(3);
  });

  it("no secret value appears on stderr in any of these runs", () => {
    const runs = [
      secret(rt, home, ["get", "piped"]),
      secret(rt, home, ["get", "db", "--field", "password", "--json"]),
      secret(rt, home, ["info"]),
    ];
    for (const run of runs) expect(run.stderr).not.toContain(SECRET);
  });
});

describe("secret copy", () => {
  it("copies matching secrets with metadata, one line per name, and --no-clobber skips existing ones", () => {
    const home = freshHome();
    registerFileVault(rt, home, "other");
    secret(rt, home, ["set", "app-db", "v1", "--meta", "n=1"]);
    secret(rt, home, ["set", "app-key", "v2"]);
    secret(rt, home, ["set", "unrelated", "v3"]);
    secret(rt, home, ["set", "app-key", "kept", "--vault", "other"]);
    const skip = secret(rt, home, ["copy", "app-*", "--from", "files", "--to", "other", "--no-clobber"]);
    expect(skip).toMatchObject({ status: 0, stdout: "copied app-db\nskipped app-key (exists in other)\n" });
    expect(secret(rt, home, ["get", "app-key", "--vault", "other"]).stdout).toBe("kept");
    expect(JSON.parse(secret(rt, home, ["info", "app-db", "--vault", "other", "--json"]).stdout)[0].metadata).toEqual({ n: 1 });
    const all = secret(rt, home, ["copy", "app-*", "--from", "files", "--to", "other"]);
    expect(all.stdout).toBe("copied app-db\ncopied app-key\n");
    expect(secret(rt, home, ["get", "app-key", "--vault", "other"]).stdout).toBe("v2");
    expect(secret(rt, home, ["get", "unrelated", "--vault", "other"]).status).toBe(3);
    expect(secret(rt, home, ["copy", "*", "--from", "files"]).status).toBe(2);
    expect(secret(rt, home, ["copy", "*", "--from", "files", "--to", "nope"]).status).toBe(3);
  });
});

describe("secret run", () => {
  let home: string;
  beforeAll(() => {
    home = freshHome();
    secret(rt, home, ["set", "db", "--stdin"], { input: SECRET });
    secret(rt, home, ["set", "cred", "pw-123", "--username", "bob"]);
  });

  it("adds secrets to the environment only, passes the exit code, masks output when piped", () => {
    const result = secret(rt, home, [
      "run",
      "--env",
      "DB=db",
      "--env",
      "USER_NAME=secret://files/cred#username",
      "--",
      "sh",
      "-c",
      'echo "db=$DB user=$USER_NAME"; echo "err=$DB" >&2; printf "%s|" "$0" "$@"; exit 7',
      "arg0",
      "plain-arg",
    ]);
    expect(result.status).toBe(7);
    expect(result.stdout).toBe("db=***** user=*****\narg0|plain-arg|");
    expect(result.stderr).toBe("err=*****\n");
  });

  it("--no-mask passes output through; the child's argv never holds a secret", () => {
    const result = secret(rt, home, [
      "run",
      "--no-mask",
      "--env",
      "DB=db",
      "--",
      "sh",
      "-c",
      'echo "$DB"; cat /proc/$$/cmdline | tr "\\0" " "',
    ]);
    expect(result.status).toBe(0);
    const [value, argv] = result.stdout.split("\n");
    expect(value).toBe(SECRET);
    expect(argv).not.toContain(SECRET);
    expect(argv).toContain("sh -c");
  });

  it("--env-file values may be references; plain values pass as they are", () => {
    const file = join(home, "app.env");
    writeFileSync(file, '# comment\nexport DB=secret://db\nPLAIN="just text"\n\nU="secret://files/cred#password" # dotenv: quoted, as # starts a comment\n');
    const result = secret(rt, home, ["run", "--no-mask", "--env-file", file, "--", "sh", "-c", 'echo "$DB $PLAIN $U"']);
    expect(result).toMatchObject({ status: 0, stdout: `${SECRET} just text pw-123\n` });
  });

  it("a missing secret starts nothing and exits 3", () => {
    const marker = join(home, "started");
    for (const env of ["X=missing", "X=secret://files/missing", "X=secret://db#nofield"]) {
      const result = secret(rt, home, ["run", "--env", env, "--", "sh", "-c", `touch ${marker}`]);
      expect(result.status).toBe(3);
      expect(existsSync(marker)).toBe(false);
    }
    expect(secret(rt, home, ["run", "--env", "X=secret://nope/db", "--", "true"]).status).toBe(3);
  });

  it("bad --env syntax and a non-string secret are errors before anything starts", () => {
    expect(secret(rt, home, ["run", "--env", "1X=db", "--", "true"]).status).toBe(2);
    expect(secret(rt, home, ["run", "--env", "X", "--", "true"]).status).toBe(2);
    const credential = secret(rt, home, ["run", "--env", "X=cred", "--", "true"]);
    expect(credential.status).toBe(1);
    expect(credential.stderr).toContain("#username");
    expect(credential.stderr).not.toContain("pw-123");
  });

  it("forwards SIGTERM to the command and returns its exit code", async () => {
    const [command, ...prefix] = secretCommand(rt);
    const child = spawn(command!, [...prefix, "run", "--env", "DB=db", "--", "sh", "-c",
      'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.05; done'], { env: homeEnv(home) });
    let stdout = "";
    await new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("ready")) resolve();
      });
    });
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stdout).toContain("got-term");
    expect(code).toBe(9);
  });
});

describe("secret inject", () => {
  it("fills references from stdin to stdout, and to a 0600 file with -i/-o", () => {
    const home = freshHome();
    secret(rt, home, ["set", "db", "--stdin"], { input: SECRET });
    secret(rt, home, ["set", "cred", "pw-123", "--username", "bob"]);
    const template = "url=postgres://{{ secret://cred#username }}:{{secret://files/cred#password}}@h\nkey={{ secret://db }}\n";
    expect(secret(rt, home, ["inject"], { input: template })).toMatchObject({
      status: 0,
      stdout: `url=postgres://bob:pw-123@h\nkey=${SECRET}\n`,
    });
    const input = join(home, "t.tmpl");
    const output = join(home, "out.conf");
    writeFileSync(input, template);
    writeFileSync(output, "old", { mode: 0o644 });
    expect(secret(rt, home, ["inject", "-i", input, "-o", output]).status).toBe(0);
    expect(readFileSync(output, "utf8")).toContain(`key=${SECRET}`);
    expect(statSync(output).mode & 0o777).toBe(0o600);
  });

  it("a missing reference writes nothing and exits 3", () => {
    const home = freshHome();
    secret(rt, home, ["set", "db", "v"]);
    const output = join(home, "out.conf");
    const result = secret(rt, home, ["inject", "-o", output], { input: "a={{ secret://db }} b={{ secret://missing }}" });
    expect(result.status).toBe(3);
    expect(existsSync(output)).toBe(false);
    expect(secret(rt, home, ["inject", "-i", join(home, "nope")]).status).toBe(2);
  });
});

describe("secret completion", () => {
  it("prints scripts for bash, zsh and fish that call back into secret; others are usage errors", () => {
    const home = tempHome();
    for (const shell of ["bash", "zsh", "fish"]) {
      const result = secret(rt, home, ["completion", shell]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(" __complete --");
    }
    expect(secret(rt, home, ["completion", "tcsh"]).status).toBe(2);
  });

  it("completes commands, subcommands, flags, choices, vault names and secret names", () => {
    const home = freshHome();
    registerFileVault(rt, home, "second");
    secret(rt, home, ["set", "alpha", "1"]);
    secret(rt, home, ["set", "ALPHA", "2", "--vault", "second"]);
    secret(rt, home, ["set", "beta", "1"]);
    const complete = (...words: string[]) => secret(rt, home, ["__complete", "--", ...words]).stdout.split("\n").filter(Boolean);
    expect(complete("")).toEqual(expect.arrayContaining(["get", "set", "vault", "store", "run", "completion"]));
    expect(complete("")).not.toContain("__complete");
    expect(complete("va")).toEqual(["vault"]);
    expect(complete("vault", "")).toEqual(["register", "unregister", "list", "default", "test", "unlock", "search"]);
    expect(complete("get", "--v")).toEqual(["--vault"]);
    expect(complete("set", "x", "--type", "")).toEqual(["string", "bytes", "credential", "map"]);
    expect(complete("get", "--vault", "")).toEqual(["files", "second"]);
    expect(complete("get", "")).toEqual(["alpha", "beta"]);
    expect(complete("get", "b")).toEqual(["beta"]);
    expect(complete("copy", "x", "--from", "s")).toEqual(["second"]);
  });

  it("the bash script completes through a real bash", () => {
    const home = freshHome();
    secret(rt, home, ["set", "gamma", "1"]);
    const bin = join(home, "bin");
    const [command, ...prefix] = secretCommand(rt);
    mkdirSync(bin);
    writeFileSync(join(bin, "secret"), `#!/bin/sh\nexec ${[command, ...prefix].map((w) => `'${w}'`).join(" ")} "$@"\n`, {
      mode: 0o755,
    });
    const script = secret(rt, home, ["completion", "bash"]).stdout;
    writeFileSync(join(home, "completion.bash"), script);
    const result = spawnSync("bash", ["-c", [
      `source ${join(home, "completion.bash")}`,
      "COMP_WORDS=(secret get ga); COMP_CWORD=2; _secret_complete; echo \"${COMPREPLY[*]}\"",
      "COMP_WORDS=(secret vault li); COMP_CWORD=2; _secret_complete; echo \"${COMPREPLY[*]}\"",
    ].join("\n")], { env: homeEnv(home, { PATH: `${bin}:${process.env.PATH}` }), encoding: "utf8" });
    expect(result.stdout).toBe("gamma\nlist\n");
  });
});

describe("output masking", () => {
  it("masks secrets split across chunks, longest first, and holds back only a possible prefix", () => {
    const masker = new Masker(["hunter22", "hunter2222", "ab"]);
    const pieces = ["pass=hun", "ter2", "2 and hunter2222 and ab", " and hunt"];
    const out = pieces.map((piece) => masker.push(piece));
    expect(out.join("") + masker.flush()).toBe("pass=***** and ***** and ab and hunt");
    expect(out[0]).toBe("pass="); // "hun" could begin a secret: held until the next chunk
  });
});
