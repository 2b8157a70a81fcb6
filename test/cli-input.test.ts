/**
 * `secret` refusing input it cannot keep exactly, instead of storing something else with exit 0:
 * stdin that is not UTF-8 for a text type, "__proto__" keys, malformed inject placeholders.
 * Run on Bun, the quickest to start; the code paths are the same on every runtime.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerFileVault, secret, secretBytes } from "./helpers/cli.ts";
import { BYTES_ALL, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";

const rt = "bun" as const;

function freshHome(): string {
  const home = tempHome("cli-input");
  expect(registerFileVault(rt, home, "files").status).toBe(0);
  return home;
}

/** 64 bytes that are not UTF-8 (0xff never appears in it), like a binary key. */
const BINARY_KEY = Uint8Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 0xff : i));

describe("secret set --stdin: text must be UTF-8", () => {
  it("refuses invalid UTF-8 for a string (exit 1, suggesting --type bytes) and writes nothing", () => {
    const home = freshHome();
    const result = secretBytes(rt, home, ["set", "key", "--stdin"], { input: BINARY_KEY });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--type bytes");
    expect(secret(rt, home, ["get", "key"]).status).toBe(3);
    for (const type of [["--type", "map"], ["--username", "u"]]) {
      expect(secretBytes(rt, home, ["set", "key", "--stdin", ...type], { input: BINARY_KEY }).status).toBe(1);
    }
    expect(secret(rt, home, ["get", "key"]).status).toBe(3);
    // The same bytes as bytes are kept exactly.
    expect(secretBytes(rt, home, ["set", "key", "--stdin", "--type", "bytes"], { input: BINARY_KEY }).status).toBe(0);
    expect(secretBytes(rt, home, ["get", "key"]).stdout).toEqual(BINARY_KEY);
  });

  it("on first use, invalid input creates no store", () => {
    const home = tempHome("cli-input-first");
    expect(secretBytes(rt, home, ["set", "key", "--stdin", "--no-password"], { input: BINARY_KEY }).status).toBe(1);
    expect(existsSync(join(home, "vaults.json"))).toBe(false);
  });

  it("still keeps every Unicode character, a leading U+FEFF included, and all 256 byte values", () => {
    const home = freshHome();
    const text = `\uFEFF${UNICODE}`;
    expect(secret(rt, home, ["set", "text", "--stdin"], { input: text }).status).toBe(0);
    expect(secret(rt, home, ["get", "text"]).stdout).toBe(text);
    expect(secretBytes(rt, home, ["set", "all", "--stdin", "--type", "bytes"], { input: BYTES_ALL }).status).toBe(0);
    expect(secretBytes(rt, home, ["get", "all"]).stdout).toEqual(BYTES_ALL);
  });
});

describe('"__proto__" keys are refused, never dropped', () => {
  it("in --meta of set and meta, leaving the metadata as it was", () => {
    const home = freshHome();
    const set = secret(rt, home, ["set", "s", "v", "--meta", "__proto__=1"]);
    expect(set.status).toBe(1);
    expect(set.stderr).toContain("__proto__");
    expect(secret(rt, home, ["get", "s"]).status).toBe(3);
    expect(secret(rt, home, ["set", "s", "v", "--meta", "owner=ops"]).status).toBe(0);
    expect(secret(rt, home, ["meta", "s", "--meta", "__proto__=1"]).status).toBe(1);
    const info = JSON.parse(secret(rt, home, ["info", "s", "--json"]).stdout);
    expect(info[0].metadata).toEqual({ owner: "ops" });
  });

  it("in a map value", () => {
    const home = freshHome();
    const result = secret(rt, home, ["set", "m", "--type", "map", "--stdin"], { input: '{"__proto__": "x", "a": "b"}' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("__proto__");
    expect(secret(rt, home, ["get", "m"]).status).toBe(3);
  });
});

describe("secret inject: malformed placeholders", () => {
  it("any {{ secret:// that does not parse is an error naming its line, and nothing is written", () => {
    const home = freshHome();
    expect(secret(rt, home, ["set", "keep", "v", "--username", "u"]).status).toBe(0);
    const output = join(home, "out.conf");
    const templates: [string, number][] = [
      ["user={{ secret://keep#username }}\npass={{ secret://keep #password }}\n", 2],
      ["a\nb\nc={{ secret://keep#password }\n", 3],
      ["{{secret://}}", 1],
      ["x={{ secret://files/#password }} {{ secret://%zz }}", 1],
    ];
    for (const [template, line] of templates) {
      const result = secret(rt, home, ["inject", "-o", output], { input: template });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`line ${line}`);
      expect(existsSync(output)).toBe(false);
    }
    const good = secret(rt, home, ["inject"], { input: "{{ secret://keep#password }} {{ not a reference }} {{secret://files/keep#username}}" });
    expect(good).toMatchObject({ status: 0, stdout: "v {{ not a reference }} u" });
  });

  it("a template that is not UTF-8 is refused rather than altered", () => {
    const home = freshHome();
    const output = join(home, "out.conf");
    const result = secretBytes(rt, home, ["inject", "-o", output], { input: Uint8Array.of(0x61, 0xff, 0x0a) });
    expect(result.status).toBe(1);
    expect(existsSync(output)).toBe(false);
  });
});
