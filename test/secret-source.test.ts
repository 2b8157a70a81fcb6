/**
 * core/secret-source.ts: a vault's own secret from an environment variable, a file or a secret://
 * reference, the first that is set winning; errors name where to look, never a value.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { createWebRuntime } from "../adapters/web.ts";
import type { VaultContext } from "../core/extension.ts";
import { findSecret, readSecret } from "../core/secret-source.ts";
import type { Runtime } from "../core/runtime.ts";
import type { SecretValue } from "../core/types.ts";
import { tempHome } from "./helpers/home.ts";

const VALUE = "s3cr3t-value-never-in-messages";

function contextWith(env: Record<string, string>, references: Record<string, SecretValue> = {}, runtime?: Runtime): VaultContext {
  const base = runtime ?? nodeRuntime;
  return {
    vaultName: "v",
    parameters: {},
    runtime: { ...base, env: (name: string) => env[name] },
    home: "/nonexistent",
    prompt: () => Promise.reject(new Error("no prompt in this test")),
    passwords: {
      given: () => Promise.resolve(undefined),
      ask: () => Promise.reject(new Error("no prompt in this test")),
    },
    resolveReference: (reference) => Promise.resolve(references[reference] ?? ""),
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeDefined();
  const { code, message } = error as { code: string; message: string };
  expect(message).not.toContain(VALUE);
  return { code, message };
}

describe("secret sources", () => {
  it("takes the first set environment variable, passing over unset and empty ones, and says which", async () => {
    const context = contextWith({ EMPTY: "", SECOND: VALUE });
    const sources = [{ env: "UNSET" }, { env: "EMPTY" }, { env: "SECOND" }];
    expect(await readSecret(context, "token", sources)).toEqual({ value: VALUE, from: "SECOND" });
    expect(await findSecret(context, "token", [{ env: "UNSET" }])).toBeUndefined();
  });

  it("reads a file, trimmed, and names the parameter it came from", async () => {
    const dir = tempHome("secret-source");
    writeFileSync(join(dir, "token"), `${VALUE}\n`);
    const found = await readSecret(contextWith({}), "token", [{ file: join(dir, "token"), parameter: "tokenFile" }]);
    expect(found).toEqual({ value: VALUE, from: `tokenFile ${join(dir, "token")}` });
  });

  it("refuses a named file that is missing or empty instead of trying the next source", async () => {
    const dir = tempHome("secret-source-empty");
    writeFileSync(join(dir, "empty"), " \n");
    const context = contextWith({ FALLBACK: VALUE });
    for (const file of [join(dir, "empty"), join(dir, "absent")]) {
      const { code, message } = await failure(readSecret(context, "AppRole role_id", [{ file }, { env: "FALLBACK" }]));
      expect(code).toBe("INVALID_ARGUMENT");
      expect(message).toBe(`the AppRole role_id file ${file} is missing or empty`);
    }
  });

  it("says UNSUPPORTED for a file where the runtime has no file system", async () => {
    const context = contextWith({}, {}, createWebRuntime());
    const { code, message } = await failure(readSecret(context, "token", [{ file: "/run/token" }]));
    expect(code).toBe("UNSUPPORTED");
    expect(message).toContain("no file system");
  });

  it("resolves a secret:// reference, which must be a string", async () => {
    const context = contextWith({}, { "secret://ci/token": VALUE, "secret://ci/pair": { username: "u", password: VALUE } });
    expect(await readSecret(context, "client secret", [{ reference: "secret://ci/token" }])).toEqual({
      value: VALUE,
      from: "secret://ci/token",
    });
    const { code, message } = await failure(readSecret(context, "client secret", [{ reference: "secret://ci/pair" }]));
    expect(code).toBe("INVALID_ARGUMENT");
    expect(message).toBe("the client secret at secret://ci/pair must be a string secret");
  });

  it("when nothing is set, PASSWORD_REQUIRED names every variable and parameter to set", async () => {
    const { code, message } = await failure(
      readSecret(contextWith({}), "Vault token", [{ env: "VAULT_TOKEN" }, { env: "BAO_TOKEN" }], ["tokenFile"]),
    );
    expect(code).toBe("PASSWORD_REQUIRED");
    expect(message).toBe("no Vault token: set VAULT_TOKEN or BAO_TOKEN, or the tokenFile parameter");
  });
});
