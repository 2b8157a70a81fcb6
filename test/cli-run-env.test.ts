/**
 * Children never inherit the variables passwords and tokens are read from: not a `secret run`
 * command (on every runtime), not a command a vault runs (runCommand: lpass, az), not the unlock
 * agent. `secret run --env VAR` passes one on deliberately, masked in the output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { CREDENTIAL_VARIABLES, runCommand } from "../core/process.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, RUNTIMES, runScript } from "./helpers/runtimes.ts";

const CREDENTIALS = {
  SECRETSTORE_PASSWORD: "store-password-123",
  VAULT_TOKEN: "vault-token-123",
  BAO_TOKEN: "bao-token-123",
  VAULT_SECRET_ID: "secret-id-123",
  AWS_SECRET_ACCESS_KEY: "aws-key-123",
  AWS_SESSION_TOKEN: "aws-session-123",
  AZURE_CLIENT_SECRET: "azure-secret-123",
};

/** Prints the child's environment as JSON. */
const PRINT_ENV = [process.execPath, "-e", "process.stdout.write(JSON.stringify(process.env))"];

describe("secret run", () => {
  for (const rt of RUNTIMES) {
    it(`gives the command its secrets but none of the credential variables (${rt})`, () => {
      const home = tempHome("run-env");
      expect(secret(rt, home, ["set", "db", "db-value-123"], { env: CREDENTIALS }).status).toBe(0);
      const result = secret(rt, home, ["run", "--no-mask", "--env", "DB=db", "--", ...PRINT_ENV], {
        env: { ...CREDENTIALS, UNRELATED: "kept" },
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const env = JSON.parse(result.stdout);
      expect(env.DB).toBe("db-value-123");
      expect(env.UNRELATED).toBe("kept");
      for (const variable of Object.keys(CREDENTIALS)) expect(env[variable], variable).toBeUndefined();
    });
  }

  it("passes a credential variable on when named with --env VAR, and masks its value", () => {
    const home = tempHome("run-pass");
    expect(secret("node", home, ["set", "db", "db-value-123"], { env: CREDENTIALS }).status).toBe(0);
    const command = [process.execPath, "-e", "console.log(process.env.VAULT_TOKEN, process.env.SECRETSTORE_PASSWORD)"];
    const result = secret("node", home, ["run", "--env", "VAULT_TOKEN", "--", ...command], { env: CREDENTIALS });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("***** undefined\n");
    const unmasked = secret("node", home, ["run", "--no-mask", "--env", "VAULT_TOKEN", "--", ...command], { env: CREDENTIALS });
    expect(unmasked.stdout).toBe("vault-token-123 undefined\n");
    const unset = secret("node", home, ["run", "--env", "NOT_SET_ANYWHERE", "--", "true"]);
    expect(unset.status).toBe(2);
  });
});

describe("commands run by vaults and the unlock agent", () => {
  it("runCommand leaves the credential variables out unless given explicitly", async () => {
    const saved = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));
    Object.assign(process.env, CREDENTIALS);
    try {
      const result = await runCommand(nodeRuntime, PRINT_ENV[0]!, PRINT_ENV.slice(1), { env: { LPASS_ASKPASS: "false", VAULT_TOKEN: "given" } });
      const env = JSON.parse(result.stdout);
      expect(env.LPASS_ASKPASS).toBe("false");
      expect(env.VAULT_TOKEN).toBe("given");
      expect(env.PATH).toBe(process.env.PATH);
      for (const variable of Object.keys(CREDENTIALS).filter((name) => name !== "VAULT_TOKEN")) {
        expect(env[variable], variable).toBeUndefined();
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("the unlock agent's environment holds no password", () => {
    const home = tempHome("run-agent");
    const scenario = join(ROOT, "test/helpers/agent-scenario.mjs");
    const run = (...args: string[]) => {
      const result = runScript("node", scenario, [modulePath("node", "cli/agent.ts"), modulePath("node", "adapters/detect.ts"), home, ...args], {
        env: CREDENTIALS,
      });
      expect(result.stderr).toBe("");
      return JSON.parse(result.stdout);
    };
    expect(run("give", "store-1", "00".repeat(32), "60")).toEqual({ ok: true });
    try {
      const { pid } = run("ping");
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      for (const [variable, value] of Object.entries(CREDENTIALS)) {
        expect(environ, variable).not.toContain(value);
      }
    } finally {
      run("stop");
    }
  });
});
