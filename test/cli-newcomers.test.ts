/**
 * The commands users of PowerShell SecretManagement, 1Password's `op`, `pass`, teller and dotenvx
 * type first (issue 13): references wherever a name goes, `secret run` resolving references from the
 * environment and .env files as `op run` does, dotenv's own parsing, list/ls/show/rm, --generate,
 * empty listings that say so, `vault test` reasons, and `store config` on a fresh home.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "dotenv";
import { describe, expect, it } from "vitest";
import { registerFileVault, secret, secretInPty } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

/** A fresh home with a no-password local store (the PowerShell CI recipe) holding `db` and `api`. */
function homeWithSecrets(label: string): string {
  const home = tempHome(label);
  expect(secret("node", home, ["store", "config", "--authentication", "none", "--interaction", "none"]).status).toBe(0);
  expect(secret("node", home, ["set", "db", "--stdin"], { input: "db-value-1" }).status).toBe(0);
  const map = JSON.stringify({ user: "app", password: "api-pass-2" });
  expect(secret("node", home, ["set", "api", "--type", "map", "--stdin"], { input: map }).status).toBe(0);
  return home;
}

const PRINT_ENV = [process.execPath, "-e", "process.stdout.write(JSON.stringify(process.env))"];

describe("references wherever a name goes", () => {
  it("get (and show) take secret://vault/name#field, as op read does", () => {
    const home = homeWithSecrets("ref-get");
    expect(secret("node", home, ["get", "secret://local/api#password"])).toMatchObject({ status: 0, stdout: "api-pass-2" });
    expect(secret("node", home, ["show", "secret://api#user"])).toMatchObject({ status: 0, stdout: "app" });
    expect(secret("node", home, ["get", "secret://local/db"])).toMatchObject({ status: 0, stdout: "db-value-1" });
    expect(secret("node", home, ["get", "secret://nowhere/db"]).status).toBe(3);
    expect(secret("node", home, ["get", "secret://local/api#nope"]).status).toBe(3);
    const clash = secret("node", home, ["get", "secret://local/db", "--vault", "other"]);
    expect(clash.status).toBe(2);
  });

  it("copy takes the source vault from a reference", () => {
    const home = homeWithSecrets("ref-copy");
    expect(registerFileVault("node", home, "team").status).toBe(0);
    const copied = secret("node", home, ["copy", "secret://local/d*", "--to", "team"]);
    expect(copied).toMatchObject({ status: 0, stdout: "copied db\n" });
    expect(secret("node", home, ["get", "db", "--vault", "team"]).stdout).toBe("db-value-1");
    expect(secret("node", home, ["copy", "secret://local/db#x", "--to", "team"]).status).toBe(2);
  });

  it("inject and run --env take references", () => {
    const home = homeWithSecrets("ref-inject");
    const injected = secret("node", home, ["inject"], { input: "u={{ secret://local/api#user }}\n" });
    expect(injected).toMatchObject({ status: 0, stdout: "u=app\n" });
    const run = secret("node", home, ["run", "--no-mask", "--env", "P=secret://local/api#password", "--", ...PRINT_ENV]);
    expect(JSON.parse(run.stdout).P).toBe("api-pass-2");
  });
});

describe("secret run, as op run", () => {
  for (const rt of RUNTIMES) {
    it(`resolves secret:// values in the inherited environment and masks them; leaves other values alone (${rt})`, () => {
      const home = homeWithSecrets(`run-inherit-${rt}`);
      const env = { TOKEN: "secret://local/db", USER_NAME: "secret://api#user", PLAIN: "db", NOT_REF: "secrets://db" };
      const unmasked = secret(rt, home, ["run", "--no-mask", "--", ...PRINT_ENV], { env });
      expect(unmasked.stderr).toBe("");
      const child = JSON.parse(unmasked.stdout);
      expect(child).toMatchObject({ TOKEN: "db-value-1", USER_NAME: "app", PLAIN: "db", NOT_REF: "secrets://db" });
      const masked = secret(rt, home, ["run", "--", "sh", "-c", "echo $TOKEN $PLAIN"], { env });
      expect(masked).toMatchObject({ status: 0, stdout: "***** db\n" });
    });
  }

  it("a missing inherited reference starts nothing (exit 3)", () => {
    const home = homeWithSecrets("run-missing");
    const result = secret("node", home, ["run", "--", "sh", "-c", "echo started"], { env: { TOKEN: "secret://local/nope" } });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
  });

  it("NAME=value where the command goes is a usage error that suggests --env NAME=value; nothing starts", () => {
    const home = homeWithSecrets("run-assign");
    const result = secret("node", home, ["run", "TOKEN=api-token", "--", "env"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("write --env TOKEN=api-token before --");
    expect(result.stderr).not.toContain("ENOENT");
  });
});

/** dotenv's documented cases: comments, quotes of three kinds, export, multi-line values, empty values. */
const DOTENV_FILE = [
  "# a comment line",
  "BASIC=basic",
  "AFTER_LINE=after_line",
  "EMPTY=",
  "EMPTY_SINGLE_QUOTES=''",
  "SINGLE_QUOTES='single_quotes'",
  "SINGLE_QUOTES_SPACED='    single quotes    '",
  'DOUBLE_QUOTES="double_quotes"',
  'DOUBLE_QUOTES_SPACED="    double quotes    "',
  'DOUBLE_QUOTES_INSIDE_SINGLE=\'double "quotes" work inside single quotes\'',
  "BACKTICKS=`backticks`",
  "BACKTICKS_INSIDE_DOUBLE=\"`backticks` work inside double quotes\"",
  'EXPAND_NEWLINES="expand\\nnew\\nlines"',
  "DONT_EXPAND_UNQUOTED=dontexpand\\nnewlines",
  "DONT_EXPAND_SQUOTED='dontexpand\\nnewlines'",
  "INLINE_COMMENTS=inline comments # work #very #well",
  "INLINE_COMMENTS_SINGLE_QUOTES='inline comments outside of #singlequotes' # work",
  'INLINE_COMMENTS_DOUBLE_QUOTES="inline comments outside of #doublequotes" # work',
  "UNQUOTED_WITH_HASH=hash#inside",
  "B=plain # comment",
  "EQUAL_SIGNS=equals==",
  "RETAIN_INNER_QUOTES={\"foo\": \"bar\"}",
  "TRIM_SPACE_FROM_UNQUOTED=    some spaced out string",
  "USERNAME=therealnerdybeast@example.tld",
  "    SPACED_KEY = parsed",
  "export EXPORTED=exported value",
  'MULTI_DOUBLE_QUOTED="THIS',
  "IS",
  "A",
  'MULTILINE"',
  "MULTI_SINGLE_QUOTED='THIS",
  "IS",
  "A",
  "MULTILINE'",
  "MULTI_BACKTICKED=`THIS",
  "IS",
  'A',
  '"MULTILINE\'S"',
  "`",
  "CRLF=crlf\r",
  "REF=secret://local/db",
  "QUOTED_REF='secret://local/api#user' # a reference in quotes",
  "",
].join("\n");

describe("--env-file reads .env files exactly as the dotenv package does", () => {
  for (const rt of RUNTIMES) {
    it(`every variable of dotenv's own cases arrives as dotenv.parse reads it (${rt})`, () => {
      const home = homeWithSecrets(`dotenv-${rt}`);
      const file = join(home, ".env");
      writeFileSync(file, DOTENV_FILE);
      const result = secret(rt, home, ["run", "--no-mask", "--env-file", file, "--", ...PRINT_ENV]);
      expect(result.stderr).toBe("");
      const child = JSON.parse(result.stdout);
      const expected: Record<string, string> = { ...parse(DOTENV_FILE), REF: "db-value-1", QUOTED_REF: "app" };
      expect(expected.B).toBe("plain");
      for (const [variable, value] of Object.entries(expected)) expect(child[variable], variable).toBe(value);
    });
  }
});

describe("a reference with a #field in a .env file", () => {
  it("unquoted, dotenv reads the #field as a comment: secret run does too, and says to quote it", () => {
    const home = homeWithSecrets("dotenv-hash");
    const file = join(home, "app.env");
    writeFileSync(file, "API=secret://local/api#password\nQUOTED='secret://local/api#password'\n");
    const result = secret("node", home, ["run", "--no-mask", "--env-file", file, "--", ...PRINT_ENV]);
    // The whole map is not a string: nothing starts, and the warning says what to write instead.
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('quote the reference to pick a field: API="secret://local/api#field"');
    writeFileSync(file, "QUOTED='secret://local/api#password'\n");
    const quoted = secret("node", home, ["run", "--no-mask", "-f", file, "--", ...PRINT_ENV]); // -f as dotenvx spells it
    expect(quoted.stderr).toBe("");
    expect(JSON.parse(quoted.stdout).QUOTED).toBe("api-pass-2");
  });
});

describe("the commands people type", () => {
  it("list and ls are info, show is get, rm is remove; lsit suggests list", () => {
    const home = homeWithSecrets("aliases");
    const info = secret("node", home, ["info"]).stdout;
    expect(info).toContain("db");
    expect(secret("node", home, ["list"]).stdout).toBe(info);
    expect(secret("node", home, ["ls", "--json"]).stdout).toBe(secret("node", home, ["info", "--json"]).stdout);
    expect(secret("node", home, ["show", "db"]).stdout).toBe("db-value-1");
    expect(secret("node", home, ["rm", "db", "--vault", "local"]).status).toBe(0);
    expect(secret("node", home, ["show", "db"]).status).toBe(3);
    const typo = secret("node", home, ["lsit"]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('did you mean "list"');
    expect(secret("node", home, ["--help"]).stdout).toMatch(/info \| list \| ls/);
  });

  it("set --generate stores a random password from the CSPRNG and prints nothing unless --print", () => {
    const home = homeWithSecrets("generate");
    const quiet = secret("node", home, ["set", "pw", "--generate"]);
    expect(quiet).toMatchObject({ status: 0, stdout: "", stderr: "" });
    const stored = secret("node", home, ["get", "pw"]).stdout;
    expect(stored).toMatch(/^[A-Za-z0-9]{32}$/);
    const printed = secret("node", home, ["set", "pin", "--generate", "--length", "8", "--charset", "digits", "--print"]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toMatch(/^\d{8}$/);
    expect(secret("node", home, ["get", "pin"]).stdout).toBe(printed.stdout);
    const symbols = secret("node", home, ["set", "s", "--generate", "--length", "200", "--charset", "symbols", "--print"]);
    expect(symbols.stdout).toMatch(/^[^A-Za-z0-9]{200}$/);
    const login = secret("node", home, ["set", "login", "--generate", "--username", "app"]);
    expect(login.status).toBe(0);
    expect(secret("node", home, ["get", "login", "--field", "username"]).stdout).toBe("app");
    expect(secret("node", home, ["set", "x", "value", "--generate"]).status).toBe(2);
    expect(secret("node", home, ["set", "x", "--generate", "--charset", "emoji"]).status).toBe(2);
    expect(secret("node", home, ["set", "x", "--generate", "--length", "0"]).status).toBe(2);
    expect(secret("node", home, ["set", "x", "v", "--length", "8"]).status).toBe(2);
    // Two generated passwords differ (2^-190 chance of a collision).
    secret("node", home, ["set", "pw2", "--generate"]);
    expect(secret("node", home, ["get", "pw2"]).stdout).not.toBe(stored);
  });

  it("empty listings say so on stderr with the command that adds one (exit 0), and --json stays []", () => {
    const home = tempHome("empty");
    const vaults = secret("node", home, ["vault", "list"]);
    expect(vaults).toMatchObject({ status: 0, stdout: "" });
    expect(vaults.stderr).toContain("secret vault register");
    const secrets = secret("node", home, ["list"]);
    expect(secrets).toMatchObject({ status: 0, stdout: "" });
    expect(secrets.stderr).toContain("secret set");
    expect(secret("node", home, ["info", "--json"])).toMatchObject({ status: 0, stdout: "[]\n", stderr: "" });
    expect(secret("node", home, ["vault", "list", "--json"])).toMatchObject({ status: 0, stdout: "[]\n", stderr: "" });
    const filtered = secret("node", homeWithSecrets("empty-filter"), ["ls", "nothing*"]);
    expect(filtered.stderr).toContain('no secret matches "nothing*"');
  });

  it("vault test prints each failed vault with its reason", () => {
    const home = homeWithSecrets("vault-test");
    expect(secret("node", home, ["vault", "test"])).toMatchObject({ status: 0, stdout: "ok\n", stderr: "" });
    const fixture = join(home, "says-no.mjs");
    writeFileSync(
      fixture,
      "export default () => ({ capabilities: { metadata: false, types: ['string'] }, getSecret: async () => undefined, " +
        "setSecret: async () => {}, removeSecret: async () => {}, getSecretInfo: async () => [], test: async () => false });\n",
    );
    expect(secret("node", home, ["vault", "register", "says-no", fixture]).status).toBe(0);
    expect(secret("node", home, ["vault", "register", "down", "hashicorp-vault", "--param", "address=http://127.0.0.1:9"]).status)
      .toBe(0);
    const result = secret("node", home, ["vault", "test"], { env: { VAULT_TOKEN: "t" } });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("failed\n");
    expect(result.stderr).toContain('vault "down" failed: cannot reach http://127.0.0.1:9');
    expect(result.stderr).toContain('vault "says-no" failed: its test reported a failure');
    expect(result.stderr).not.toContain('vault "local"');
    expect(secret("node", home, ["vault", "test", "local"])).toMatchObject({ status: 0, stdout: "ok\n" });
    expect(secret("node", home, ["vault", "test", "nomatch*"]).status).toBe(3);
  });

  it("an unknown module names the built-in vaults and no absolute path", () => {
    const home = tempHome("unknown-module");
    const result = secret("node", home, ["vault", "register", "bad", "no-such-module"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("secretstore");
    expect(result.stderr).toContain("hashicorp-vault");
    expect(result.stderr).not.toContain("node_modules");
  });
});

describe("the PowerShell CI recipe", () => {
  it("store config --authentication none --interaction none on a fresh home creates a no-password store and registers it", () => {
    const home = tempHome("ps-ci");
    const configured = secret("node", home, ["store", "config", "--authentication", "none", "--interaction", "none"]);
    expect(configured).toMatchObject({ status: 0, stderr: "" });
    const registry = JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"));
    expect(registry).toMatchObject({ defaultVault: "local", vaults: { local: { module: "secretstore" } } });
    expect(JSON.parse(secret("node", home, ["store", "config", "--json"]).stdout)).toMatchObject({
      authentication: "none",
      interaction: "none",
    });
    // No password anywhere: CI writes and reads straight away.
    expect(secret("node", home, ["set", "t", "--stdin"], { input: "v" }).status).toBe(0);
    expect(secret("node", home, ["get", "t"]).stdout).toBe("v");
  });

  it("with another vault already the default, the new store does not take the default over", () => {
    const home = tempHome("ps-ci-other");
    expect(registerFileVault("node", home, "team").status).toBe(0);
    expect(secret("node", home, ["store", "config", "--authentication", "none"]).status).toBe(0);
    const registry = JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"));
    expect(registry.defaultVault).toBe("team");
    expect(registry.vaults.local.module).toBe("secretstore");
  });

  it("store config on a missing store says there is none and how to create it (exit 3)", () => {
    const home = tempHome("ps-missing");
    const shown = secret("node", home, ["store", "config"]);
    expect(shown.status).toBe(3);
    expect(shown.stdout).toBe("");
    expect(shown.stderr).toContain("secret store config --authentication none --interaction none");
    expect(secret("node", home, ["vault", "register", "local", "secretstore"]).status).toBe(0);
    expect(secret("node", home, ["store", "config"]).status).toBe(3);
  });

  it("--authentication password on a fresh home asks for the new password and creates the store with it", () => {
    const home = tempHome("ps-password");
    const result = secret("node", home, ["store", "config", "--authentication", "password", "--password-stdin"], {
      input: "pw-for-new-store\n",
    });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(secret("node", home, ["set", "a", "--stdin"], { input: "b" }).status).toBe(4);
    expect(secret("node", home, ["set", "a", "--stdin"], { input: "b", env: { SECRETSTORE_PASSWORD: "pw-for-new-store" } }).status)
      .toBe(0);
  });
});

describe("progress of long work", () => {
  it("copy shows a count and a rate on a terminal, and nothing when stderr is piped", () => {
    const home = homeWithSecrets("progress");
    expect(registerFileVault("node", home, "team").status).toBe(0);
    const terminal = secretInPty("node", home, ["copy", "*", "--from", "local", "--to", "team"], []);
    expect(terminal.status).toBe(0);
    expect(terminal.output).toMatch(/2\/2 \([\d.]+\/s\)/);
    const piped = secret("node", home, ["copy", "*", "--from", "local", "--to", "team"]);
    expect(piped.stderr).toBe("");
  });

  it("key rotation shows a count and a rate on a terminal", () => {
    const home = tempHome("progress-rotate");
    const env = { SECRETSTORE_PASSWORD: "old-pass-1" };
    for (const name of ["a", "b", "c"]) expect(secret("node", home, ["set", name, "--stdin"], { input: "v", env }).status).toBe(0);
    const rotated = secretInPty("node", home, ["store", "password", "--rotate-key"], [
      { expect: "New password: ", send: "new-pass-2\r" },
      { expect: "Repeat the new password: ", send: "new-pass-2\r" },
    ], { env });
    expect(rotated.status).toBe(0);
    expect(rotated.output).toMatch(/3\/3 \([\d.]+\/s\)/);
    const after = secret("node", home, ["get", "b"], { env: { SECRETSTORE_PASSWORD: "new-pass-2" } });
    expect(after).toMatchObject({ status: 0, stdout: "v" });
  });
});
