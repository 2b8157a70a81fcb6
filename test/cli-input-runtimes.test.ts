/**
 * `secret` input and output at the edges, on Node, Deno and Bun: values up to the size limit in the
 * SecretStore, and a stdout that its reader closes early.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MAX_SECRET_VALUE_BYTES } from "../core/types.ts";
import { homeEnv, secret, secretCommand } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { type RuntimeName, RUNTIMES } from "./helpers/runtimes.ts";

function patternBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
}

/** Like secretBytes, with room for output of several MiB (spawnSync keeps 1 MiB by default). */
function secretLarge(rt: RuntimeName, home: string, args: string[], input: Uint8Array = new Uint8Array()) {
  const [command, ...prefix] = secretCommand(rt);
  const result = spawnSync(command!, [...prefix, ...args], {
    env: homeEnv(home),
    input,
    timeout: 60_000,
    maxBuffer: 4 * MAX_SECRET_VALUE_BYTES,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: new Uint8Array(result.stdout), stderr: result.stderr.toString() };
}

function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.compare(actual, expected) === 0;
}

const timeout = 120_000;

describe.each(RUNTIMES)("secret on %s", (rt) => {
  it("stores and reads back bytes up to the size limit, and refuses one byte more without writing", { timeout }, () => {
    const home = tempHome("cli-limit");
    expect(secret(rt, home, ["set", "first", "x", "--no-password"]).status).toBe(0);

    // The issue's reproduction: 4 000 000 bytes were stored but never read back.
    const issue = patternBytes(4_000_000);
    expect(secretLarge(rt, home, ["set", "blob", "--type", "bytes", "--stdin"], issue).status).toBe(0);
    const readIssue = secretLarge(rt, home, ["get", "blob"]);
    expect(readIssue.status).toBe(0);
    expect(sameBytes(readIssue.stdout, issue)).toBe(true);

    const atLimit = patternBytes(MAX_SECRET_VALUE_BYTES);
    const set = secretLarge(rt, home, ["set", "blob", "--type", "bytes", "--stdin"], atLimit);
    expect(set).toMatchObject({ status: 0, stderr: "" });
    const read = secretLarge(rt, home, ["get", "blob"]);
    expect(read.status).toBe(0);
    expect(sameBytes(read.stdout, atLimit)).toBe(true);

    const over = patternBytes(MAX_SECRET_VALUE_BYTES + 1);
    for (const name of ["blob", "other"]) {
      const refused = secretLarge(rt, home, ["set", name, "--type", "bytes", "--stdin"], over);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/at most 8388608 bytes/);
    }
    expect(sameBytes(secretLarge(rt, home, ["get", "blob"]).stdout, atLimit)).toBe(true);
    expect(secret(rt, home, ["get", "other"]).status).toBe(3);
  });

  it("a stdout closed early ends quietly", { timeout }, () => {
    const home = tempHome("cli-pipe");
    expect(secret(rt, home, ["set", "first", "x", "--no-password"]).status).toBe(0);
    const big = patternBytes(2_000_000);
    expect(secretLarge(rt, home, ["set", "big", "--type", "bytes", "--stdin"], big).status).toBe(0);
    expect(secret(rt, home, ["set", "text", "--stdin"], { input: "t".repeat(1_000_000) }).status).toBe(0);
    for (const args of [["get", "big"], ["get", "text"], ["get", "big", "--json"]]) {
      // `sh -c '"$@" | head -c 5'`: the secret command as arguments, so no path needs quoting.
      const result = spawnSync("sh", ["-c", '"$@" | head -c 5 > /dev/null', "sh", ...secretCommand(rt), ...args], {
        env: homeEnv(home),
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status).toBe(0);
      expect(result.stderr).toBe("");
    }
  });
});
