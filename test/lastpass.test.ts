/**
 * lastpass against a fake `lpass` (test/fixtures/lastpass) put first on PATH: no LastPass server is
 * reachable here, so this is all the extension is verified against. The fake logs every call's argv
 * and stdin, so the tests can check that no secret ever reaches argv.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { parseLongListing, repairLpassJson } from "../extensions/lastpass/mod.ts";
import { testVaultContract, UNICODE } from "./helpers/contract.ts";
import { runConsoleExamples } from "./helpers/console-examples.ts";
import { tempHome } from "./helpers/home.ts";

const dir = tempHome("lpass");
const statePath = join(dir, "state.json");
const logPath = join(dir, "calls.log");
const FAKE_ENV = {
  PATH: `${resolve("test/fixtures/lastpass")}:${process.env.PATH}`,
  FAKE_LPASS_STATE: statePath,
  FAKE_LPASS_LOG: logPath,
};

interface Call {
  args: string[];
  stdin: string;
  env: Record<string, string>;
}
const calls = (): Call[] =>
  existsSync(logPath) ? readFileSync(logPath, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)) : [];

interface FakeState {
  loggedIn: boolean;
  user: string;
  nextId: number;
  accounts: Record<string, string>[];
}
const readState = (): FakeState =>
  existsSync(statePath)
    ? JSON.parse(readFileSync(statePath, "utf8"))
    : { loggedIn: true, user: "user@example.com", nextId: 1000, accounts: [] };
const writeState = (state: FakeState) => writeFileSync(statePath, JSON.stringify(state));

/** Every secret value the tests write; none of them may ever appear on an lpass command line. */
const WRITTEN: string[] = [];

testVaultContract("lastpass (fake lpass)", () => ({
  module: "lastpass",
  parameters: { username: "user@example.com" },
  env: FAKE_ENV,
}), { types: ["string", "credential"], metadata: false, caseInsensitive: false });

describe("lastpass against the fake lpass", () => {
  let sm: SecretManagement;
  const vault = "lp";
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [key, value] of Object.entries({ ...FAKE_ENV, LPASS_DISABLE_PINENTRY: "1", LPASS_AGENT_TIMEOUT: "0" })) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    sm = await SecretManagement.open({ home: tempHome("lastpass"), onVaultError: () => {} });
    await sm.registerVault(vault, "lastpass", { parameters: { username: "user@example.com" } });
  });

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("maps a credential to Username + Password, and strings to Password or (multi-line) Notes", async () => {
    const credential = { username: "alice", password: "s3cret-cred-Ω" };
    const multi = "-----BEGIN KEY-----\nline two ü\n-----END KEY-----\n";
    WRITTEN.push(credential.password, "one-line-secret-Ω", multi);
    await sm.setSecret("Email/work", credential, { vault });
    await sm.setSecret("api-token", "one-line-secret-Ω", { vault });
    await sm.setSecret("pem", multi, { vault });
    const accounts = readState().accounts;
    expect(accounts.find((a) => a.fullname === "Email/work")).toMatchObject({ group: "Email", name: "work", username: "alice", password: credential.password });
    expect(accounts.find((a) => a.fullname === "api-token")).toMatchObject({ username: "", password: "one-line-secret-Ω", note: "" });
    expect(accounts.find((a) => a.fullname === "pem")).toMatchObject({ password: "", note: multi });
    expect(await sm.getSecret("Email/work", { vault })).toEqual(credential);
    expect(await sm.getSecret("api-token", { vault })).toBe("one-line-secret-Ω");
    expect(await sm.getSecret("pem", { vault })).toBe(multi);
    const listed = (await sm.getSecretInfo("*", { vault })).filter((i) => ["Email/work", "api-token", "pem"].includes(i.name));
    expect(listed.sort((a, b) => (a.name < b.name ? -1 : 1)))
      .toEqual([
        { name: "Email/work", type: "credential", vault, metadata: {} },
        { name: "api-token", type: "string", vault, metadata: {} },
        { name: "pem", type: "string", vault, metadata: {} },
      ]);
  });

  it("switches an entry between one-line, multi-line and credential values without leftovers", async () => {
    WRITTEN.push("first-line-value", "multi\nline\nvalue", "cred-pass-xyz");
    await sm.setSecret("switch", "first-line-value", { vault });
    await sm.setSecret("switch", "multi\nline\nvalue", { vault });
    expect(await sm.getSecret("switch", { vault })).toBe("multi\nline\nvalue");
    await sm.setSecret("switch", { username: "bob", password: "cred-pass-xyz" }, { vault });
    expect(await sm.getSecret("switch", { vault })).toEqual({ username: "bob", password: "cred-pass-xyz" });
    await sm.setSecret("switch", "", { vault });
    expect(await sm.getSecret("switch", { vault })).toBe("");
  });

  it("refuses what LastPass fields cannot hold exactly with UNSUPPORTED, writing nothing", async () => {
    const before = readState().accounts.length;
    await expect(sm.setSecret("nul", "a\0b", { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(sm.setSecret("c1", { username: "", password: "p" }, { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(sm.setSecret("c2", { username: "u", password: "two\nlines" }, { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(sm.setSecret("b", new Uint8Array([1]), { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(sm.setSecret("m", { a: "1" }, { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    expect(readState().accounts.length).toBe(before);
  });

  it("reports duplicate names as AMBIGUOUS_NAME for get, set and remove", async () => {
    const state = readState();
    for (const id of ["1", "2"]) {
      state.accounts.push({ id: `9${id}`, name: "dup", group: "", fullname: "dup", username: "", password: `p${id}`, url: "", note: "", modified: "0" });
    }
    writeState(state);
    await expect(sm.getSecret("dup", { vault })).rejects.toMatchObject({ code: "AMBIGUOUS_NAME" });
    await expect(sm.setSecret("dup", "x", { vault })).rejects.toMatchObject({ code: "AMBIGUOUS_NAME" });
    await expect(sm.removeSecret("dup", { vault })).rejects.toMatchObject({ code: "AMBIGUOUS_NAME" });
    expect(readState().accounts.filter((a) => a.name === "dup")).toHaveLength(2);
  });

  it("removes by id, so an entry whose name looks like another's id is safe", async () => {
    await sm.setSecret("to-remove", "x", { vault });
    await sm.removeSecret("to-remove", { vault });
    const rm = calls().filter((c) => c.args[0] === "rm").at(-1)!;
    expect(rm.args).toEqual(["rm", "--", expect.stringMatching(/^\d+$/)]);
    await expect(sm.getSecret("to-remove", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("reads entries written elsewhere: non-ASCII text through lpass's broken JSON escaping", async () => {
    const state = readState();
    state.accounts.push({ id: "777", name: "foreign", group: "Shared-Team", fullname: "Shared-Team/foreign", username: "", password: UNICODE, url: "", note: "", modified: "0" });
    writeState(state);
    expect(await sm.getSecret("Shared-Team/foreign", { vault })).toBe(UNICODE);
  });

  it("passes LPASS_* variables through, and blocks password prompts when a value is on stdin", async () => {
    await sm.setSecret("env-check", "value-env-check", { vault });
    WRITTEN.push("value-env-check");
    const write = calls().filter((c) => c.args[0] === "add").at(-1)!;
    expect(write.env).toMatchObject({ LPASS_DISABLE_PINENTRY: "1", LPASS_AGENT_TIMEOUT: "0", LPASS_ASKPASS: "false" });
    const read = calls().filter((c) => c.args[0] === "show").at(-1)!;
    expect(read.env.LPASS_ASKPASS).toBeUndefined();
  });

  it("reports a logged-out lpass as PASSWORD_REQUIRED with the command to run", async () => {
    writeState({ ...readState(), loggedIn: false });
    try {
      const attempts = [
        () => sm.getSecret("api-token", { vault }),
        () => sm.setSecret("x", "y", { vault }),
        () => sm.getSecretInfo("*", { vault }),
      ];
      for (const attempt of attempts) {
        await expect(attempt()).rejects.toMatchObject({
          code: "PASSWORD_REQUIRED",
          message: expect.stringContaining("lpass login user@example.com"),
        });
      }
      expect(await sm.testVault(vault)).toBe(false);
    } finally {
      writeState({ ...readState(), loggedIn: true });
    }
    expect(await sm.testVault(vault)).toBe(true);
  });

  it("reports a missing lpass as VAULT_UNAVAILABLE", async () => {
    await sm.registerVault("nolpass", "lastpass", { parameters: { command: "lpass-does-not-exist" } });
    await expect(sm.getSecret("x", { vault: "nolpass" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
  });

  it("never put a secret value on an lpass command line; writes carried them on stdin", () => {
    const all = calls();
    expect(all.length).toBeGreaterThan(20);
    for (const call of all) {
      for (const secret of [...WRITTEN, UNICODE, "p@ss 𝄞 word", "r00t"]) {
        for (const arg of call.args) expect(arg.includes(secret)).toBe(false);
      }
    }
    expect(all.some((c) => c.args[0] === "add" && c.stdin === "one-line-secret-Ω\n")).toBe(true);
    for (const call of all.filter((c) => c.args[0] === "add" || c.args[0] === "edit")) {
      expect(call.args).toContain("--non-interactive");
    }
  });
});

describe("lastpass parameters", () => {
  it("refuses the master password and unknown parameters at registration, listing the known ones, never echoing", async () => {
    const sm = await SecretManagement.open({ home: tempHome("lpass-params"), onVaultError: () => {} });
    const password = await sm.registerVault("a", "lastpass", { parameters: { username: "u@example.com", password: "canary-master" } })
      .then(() => undefined, (e: Error) => e);
    expect(password).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("lpass login") });
    expect(password!.message).not.toContain("canary");
    const unknown = await sm.registerVault("b", "lastpass", { parameters: { user: "u@example.com" } }).then(() => undefined, (e: Error) => e);
    expect(unknown).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("known: command, username") });
    await expect(sm.registerVault("c", "lastpass", { parameters: { command: 3 } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await sm.getVaults()).toEqual([]);
  });
});

describe("lpass output parsing", () => {
  it("repairs lpass's \\uffffffXX byte escapes into UTF-8 and leaves real escapes alone", () => {
    const broken = '[{"password": "\\uffffffc3\\uffffffab \\\\uffffffc3 \\n \\u0001"}]';
    expect(JSON.parse(repairLpassJson(broken))).toEqual([{ password: "ë \\uffffffc3 \n \u0001" }]);
  });

  it("parses ls -l lines, dropping (none)/ and folder entries", () => {
    const out = "2024-01-02 03:04 (none)/plain [id: 1] [username: ]\n" +
      "2024-01-02 03:04 Work/db [id: 2] [username: admin]\n" +
      " Work/ [id: 3] [username: ]\n" +
      "2024-01-02 03:04 odd [id: 9] name [id: 4] [username: u]\n";
    expect(parseLongListing(out)).toEqual([
      { fullname: "plain", id: "1", username: "" },
      { fullname: "Work/db", id: "2", username: "admin" },
      { fullname: "odd [id: 9] name", id: "4", username: "u" },
    ]);
  });
});

describe("docs/lastpass.md", () => {
  it("every console example prints what the page says, against the fake lpass", async () => {
    const docsDir = tempHome("lpass-docs");
    const { expected, actual } = await runConsoleExamples("docs/lastpass.md", {
      ...FAKE_ENV,
      FAKE_LPASS_STATE: join(docsDir, "state.json"),
      FAKE_LPASS_LOG: join(docsDir, "calls.log"),
    });
    expect(expected.length).toBeGreaterThan(5);
    expect(actual).toEqual(expected);
  }, 120_000);
});
