/**
 * The CLI over the real local SecretStore: first use, passwords from a terminal (no echo, mismatch
 * retry), --password-stdin and SECRETSTORE_PASSWORD, wrong passwords (exit 4, nothing written), store
 * config/unlock/lock/password/reset, and the unlock agent serving every runtime.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { homeEnv, secret, secretCommand, secretInPty } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { RUNTIMES } from "./helpers/runtimes.ts";

const PASSWORD = "store-pass-Xq9";
const VALUE = "value-never-on-stderr";
const started: string[] = [];

function lockAfter(home: string): string {
  started.push(home);
  return home;
}

afterAll(() => {
  for (const home of started) secret("bun", home, ["store", "lock"]);
});

function noLeak(result: { stderr?: string; output?: string }) {
  const text = (result.stderr ?? "") + (result.output ?? "");
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(VALUE);
}

describe("first use and the agent, through a terminal", () => {
  it.each(RUNTIMES)("%s: set creates the store (new password asked twice, retried on mismatch) and the agent serves the key", (rt) => {
    const home = lockAfter(tempHome(`store-${rt}`));
    const first = secretInPty(rt, home, ["set", "db"], [
      { expect: "Value for db: ", send: `${VALUE}\r` },
      { expect: "New password: ", send: `${PASSWORD}\r` },
      { expect: "Repeat the new password: ", send: "not-the-same\r" },
      { expect: "do not match", send: "" },
      { expect: "New password: ", send: `${PASSWORD}\r` },
      { expect: "Repeat the new password: ", send: `${PASSWORD}\r` },
    ]);
    expect(first.error).toBeNull();
    expect(first.status).toBe(0);
    noLeak(first);
    // Through pipes, with no password anywhere: the agent holds the key, for every runtime.
    for (const other of RUNTIMES) {
      expect(secret(other, home, ["get", "db"])).toMatchObject({ status: 0, stdout: VALUE, stderr: "" });
    }
    expect(secret(rt, home, ["store", "lock"]).status).toBe(0);
    const locked = secret(rt, home, ["get", "db"]);
    expect(locked.status).toBe(4);
    noLeak(locked);
    // A prompt unlocks again (no echo) and hands the key back to a new agent.
    const unlock = secretInPty(rt, home, ["store", "unlock"], [{ expect: "Password for vault local: ", send: `${PASSWORD}\r` }]);
    expect(unlock.status).toBe(0);
    noLeak(unlock);
    expect(secret("bun", home, ["get", "db"]).stdout).toBe(VALUE);
  });
});

describe("a password typed where the store asks for it", () => {
  it("unlocks for the command and hands the key to the agent afterwards", () => {
    const home = lockAfter(tempHome("store-lazy"));
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    const get = secretInPty("bun", home, ["get", "db"], [{ expect: "assword", send: `${PASSWORD}\r` }]);
    expect(get.error).toBeNull();
    expect(get.status).toBe(0);
    expect(get.output).toContain(VALUE);
    expect(get.output.split(VALUE).length).toBe(2); // printed once, the password never
    expect(get.output).not.toContain(PASSWORD);
    expect(secret("deno", home, ["get", "db"])).toMatchObject({ status: 0, stdout: VALUE });
  });
});

describe("the unlock agent from the CLI", () => {
  it("store unlock starts it; a loosened socket directory makes every command refuse it", () => {
    const home = lockAfter(tempHome("store-agent-dir"));
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    expect(secret("deno", home, ["store", "unlock", "--password-stdin"], { input: `${PASSWORD}\n` }).status).toBe(0);
    expect(secret("node", home, ["get", "db"]).stdout).toBe(VALUE);
    chmodSync(join(home, "agent"), 0o755);
    const refused = secret("bun", home, ["get", "db"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("open to other users");
    chmodSync(join(home, "agent"), 0o700);
    expect(secret("bun", home, ["get", "db"]).stdout).toBe(VALUE);
  });
});

describe("store unlock and the agent's start", () => {
  it("store unlock fails (non-zero) when the agent cannot start, and works with a relative SECRETMANAGEMENT_HOME", () => {
    const home = lockAfter(tempHome("store-agent-fail"));
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    mkdirSync(join(home, "agent"), { mode: 0o755 });
    chmodSync(join(home, "agent"), 0o755);
    const failed = secret("node", home, ["store", "unlock", "--password-stdin"], { input: `${PASSWORD}\n` });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain("open to other users");
    noLeak(failed);

    const parent = tempHome("store-relative-home");
    const relative = join(parent, ".sm");
    lockAfter(relative);
    const inParent = (args: string[], input = "") => {
      const [command, ...prefix] = secretCommand("node");
      const result = spawnSync(command!, [...prefix, ...args], {
        cwd: parent,
        env: homeEnv(".sm", { SECRETSTORE_PASSWORD: undefined }),
        input,
        encoding: "utf8",
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    expect(inParent(["set", "db", VALUE, "--password-stdin"], `${PASSWORD}\n`).status).toBe(0);
    expect(inParent(["store", "unlock", "--password-stdin"], `${PASSWORD}\n`)).toMatchObject({ status: 0, stderr: "" });
    expect(existsSync(join(relative, "agent", "agent.sock"))).toBe(true);
    expect(inParent(["get", "db"])).toMatchObject({ status: 0, stdout: VALUE });
  });
});

describe("a SecretStore registered with a relative path", () => {
  it("vault register resolves it against the working directory; from elsewhere, get and set use that store", () => {
    const home = tempHome("store-relative-path");
    const work = tempHome("store-relative-cwd");
    const elsewhere = tempHome("store-relative-elsewhere");
    const run = (cwd: string, args: string[]) => {
      const [command, ...prefix] = secretCommand("node");
      const result = spawnSync(command!, [...prefix, ...args], { cwd, env: homeEnv(home), encoding: "utf8" });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const registered = run(work, ["vault", "register", "scratch", "secretstore", "--param", "path=stores/scratch", "--param", "authentication=none"]);
    expect(registered).toMatchObject({ status: 0, stderr: "" });
    expect(run(elsewhere, ["set", "db", VALUE, "--vault", "scratch"]).status).toBe(0);
    expect(existsSync(join(work, "stores", "scratch", "store.log"))).toBe(true);
    expect(existsSync(join(elsewhere, "stores"))).toBe(false);
    expect(run(work, ["get", "db", "--vault", "scratch"])).toMatchObject({ status: 0, stdout: VALUE });
  });
});

describe("passwords without a terminal", () => {
  it("first use takes SECRETSTORE_PASSWORD; no terminal and no password is exit 4 and creates nothing", () => {
    const none = tempHome("store-none");
    const refused = secret("bun", none, ["set", "db", "--stdin"], { input: VALUE });
    expect(refused.status).toBe(4);
    expect(refused.stderr).toContain("--password-stdin");
    expect(secret("bun", none, ["vault", "list", "--json"]).stdout.trim()).toBe("[]");

    const home = tempHome("store-env");
    expect(secret("deno", home, ["set", "db", "--stdin"], { input: VALUE, env: { SECRETSTORE_PASSWORD: PASSWORD } }).status)
      .toBe(0);
    expect(secret("node", home, ["get", "db"], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).stdout).toBe(VALUE);
    expect(secret("node", home, ["get", "db", "--password-stdin"], { input: `${PASSWORD}\n` }).stdout).toBe(VALUE);
  });

  it("a wrong password is exit 4 and writes nothing", () => {
    const home = tempHome("store-wrong");
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    const wrong = secret("bun", home, ["set", "other", "x", "--password-stdin"], { input: "wrong-password\n" });
    expect(wrong.status).toBe(4);
    noLeak(wrong);
    expect(wrong.stderr).not.toContain("wrong-password");
    expect(secret("bun", home, ["get", "other"], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).status).toBe(3);
    const viaEnv = secret("bun", home, ["set", "other", "x"], { env: { SECRETSTORE_PASSWORD: "wrong-password" } });
    expect(viaEnv.status).toBe(4);
    expect(viaEnv.stderr).not.toContain("wrong-password");
    expect(secret("bun", home, ["store", "unlock", "--password-stdin"], { input: "wrong-password\n" }).status).toBe(4);
    expect(secret("bun", home, ["get", "other"], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).status).toBe(3);
  });

  it("--no-password makes a store that needs no password", () => {
    const home = tempHome("store-nopass");
    expect(secret("bun", home, ["set", "db", VALUE, "--no-password"]).status).toBe(0);
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout).authentication).toBe("none");
    expect(secret("deno", home, ["get", "db"]).stdout).toBe(VALUE);
    // Adding a password later: the new one from stdin; from then on the store needs it.
    const added = secret("bun", home, ["store", "config", "--authentication", "password", "--password-stdin"], {
      input: `${PASSWORD}\n`,
    });
    expect(added.status).toBe(0);
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout).authentication).toBe("password");
    expect(secret("bun", home, ["get", "db"]).status).toBe(4);
    expect(secret("bun", home, ["vault", "unlock", "local", "--password-stdin"], { input: "wrong\n" }).status).toBe(4);
    expect(secret("node", home, ["get", "db"], { env: { SECRETSTORE_PASSWORD: PASSWORD } }).stdout).toBe(VALUE);
  });
});

describe("secret store", () => {
  it("config, password, reset", () => {
    const home = tempHome("store-admin");
    const env = { SECRETSTORE_PASSWORD: PASSWORD };
    secret("bun", home, ["set", "db", VALUE], { env });
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout)).toEqual({
      authentication: "password",
      passwordTimeout: 900,
      interaction: "prompt",
    });
    expect(secret("bun", home, ["store", "config", "--timeout", "60", "--interaction", "none"], { env }).status).toBe(0);
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout)).toMatchObject({
      passwordTimeout: 60,
      interaction: "none",
    });
    expect(secret("bun", home, ["store", "config", "--timeout", "soon"]).status).toBe(2);
    // Past what the agent's timer holds (2^31 - 1 ms): refused, nothing changed.
    expect(secret("bun", home, ["store", "config", "--timeout", "2147484"], { env }).status).toBe(2);
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout).passwordTimeout).toBe(60);
    expect(secret("bun", home, ["store", "config", "--interaction", "never"]).status).toBe(2);

    const changed = secret("bun", home, ["store", "password", "--password-stdin"], { input: `${PASSWORD}\nnew-pass-123\n` });
    expect(changed.status).toBe(0);
    expect(secret("bun", home, ["get", "db"], { env }).status).toBe(4);
    expect(secret("bun", home, ["get", "db"], { env: { SECRETSTORE_PASSWORD: "new-pass-123" } }).stdout).toBe(VALUE);
    expect(secret("bun", home, ["store", "password", "--password-stdin"], { input: "bad\nnewer\n" }).status).toBe(4);

    expect(secret("bun", home, ["store", "reset"]).status).toBe(2);
    expect(secret("bun", home, ["store", "reset", "--force", "--no-password"]).status).toBe(0);
    expect(secret("bun", home, ["get", "db"]).status).toBe(3);
    expect(JSON.parse(secret("bun", home, ["store", "config", "--json"]).stdout).authentication).toBe("none");
  });

  it("store password stops the agent; --rotate-key re-encrypts under a new data key", () => {
    const home = lockAfter(tempHome("store-rotate"));
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    expect(secret("node", home, ["store", "unlock", "--password-stdin"], { input: `${PASSWORD}\n` }).status).toBe(0);
    expect(secret("node", home, ["get", "db"]).stdout).toBe(VALUE); // served with the agent's key
    const changed = secret("deno", home, ["store", "password", "--password-stdin"], { input: `${PASSWORD}\nsecond-pass\n` });
    expect(changed.status).toBe(0);
    noLeak(changed);
    expect(existsSync(join(home, "agent", "agent.sock"))).toBe(false);
    expect(secret("node", home, ["get", "db"]).status).toBe(4); // the agent no longer serves the old key

    expect(secret("node", home, ["store", "unlock", "--password-stdin"], { input: "second-pass\n" }).status).toBe(0);
    const rotated = secret("bun", home, ["store", "password", "--rotate-key", "--password-stdin"], {
      input: "second-pass\nthird-pass\n",
    });
    expect(rotated.status).toBe(0);
    expect(existsSync(join(home, "agent", "agent.sock"))).toBe(false);
    expect(secret("node", home, ["get", "db"]).status).toBe(4);
    expect(secret("node", home, ["get", "db"], { env: { SECRETSTORE_PASSWORD: "second-pass" } }).status).toBe(4);
    expect(secret("node", home, ["get", "db"], { env: { SECRETSTORE_PASSWORD: "third-pass" } }).stdout).toBe(VALUE);
  });

  it("a store with interaction none fails with exit 4 instead of prompting on a terminal", () => {
    const home = tempHome("store-nointeract");
    secret("bun", home, ["set", "db", VALUE], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    secret("bun", home, ["store", "config", "--interaction", "none"], { env: { SECRETSTORE_PASSWORD: PASSWORD } });
    const result = secretInPty("bun", home, ["get", "db"], [], { timeout: 15_000 });
    expect(result.error).toBeNull();
    expect(result.status).toBe(4);
    expect(result.output).not.toContain("Password");
  });

  it("store commands without a SecretStore vault exit 3", () => {
    const home = tempHome("store-missing");
    expect(secret("bun", home, ["store", "unlock", "--password-stdin"], { input: "x\n" }).status).toBe(3);
  });
});
