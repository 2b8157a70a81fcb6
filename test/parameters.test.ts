import { describe, expect, it } from "vitest";
import { readParameters } from "../core/parameters.ts";
import { SecretManagementError } from "../core/errors.ts";

const schema = {
  address: { type: "string", env: ["VAULT_ADDR", "BAO_ADDR"] },
  mount: { type: "string", default: "secret" },
  timeout: { type: "number", default: 30, min: 0.001 },
  purge: { type: "boolean", default: false },
  credential: { type: "reference" },
  kvVersion: { type: "choice", choices: [1, 2, "auto"], default: "auto" },
} as const;

function codeOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretManagementError);
    return { code: (error as SecretManagementError).code, message: (error as Error).message };
  }
  throw new Error("did not throw");
}

describe("readParameters", () => {
  it("applies defaults, environment fallbacks and folds strings from --param", () => {
    const env = (name: string) => (name === "BAO_ADDR" ? "http://127.0.0.1:8200" : undefined);
    const values = readParameters("v", { timeout: "5", purge: "true", kvVersion: "2" }, schema, { env });
    expect(values).toEqual({
      address: "http://127.0.0.1:8200",
      mount: "secret",
      timeout: 5,
      purge: true,
      credential: undefined,
      kvVersion: 2,
    });
  });

  it("refuses unknown keys listing the known ones", () => {
    const { code, message } = codeOf(() => readParameters("v", { adress: "x" }, schema));
    expect(code).toBe("INVALID_ARGUMENT");
    expect(message).toContain("unknown parameter adress");
    expect(message).toContain("known: address, mount, timeout, purge, credential, kvVersion");
  });

  it("refuses secret-bearing keys with where the secret goes, never echoing the value", () => {
    const { message } = codeOf(() =>
      readParameters("v", { clientSecret: "hunter2-canary" }, schema, { secretKeys: { clientSecret: "AZURE_CLIENT_SECRET" } })
    );
    expect(message).toContain("AZURE_CLIENT_SECRET");
    expect(message).not.toContain("hunter2-canary");
  });

  it("refuses a literal where a secret:// reference is required, never echoing it", () => {
    const { code, message } = codeOf(() => readParameters("v", { credential: "AKIAEXAMPLE:canary-secret" }, schema));
    expect(code).toBe("INVALID_ARGUMENT");
    expect(message).not.toContain("canary");
    expect(message).not.toContain("AKIA");
    expect(readParameters("v", { credential: "secret://local/aws" }, schema).credential).toBe("secret://local/aws");
  });

  it("refuses wrong types and out-of-range values without the value", () => {
    expect(codeOf(() => readParameters("v", { timeout: "soon-canary" }, schema)).message).not.toContain("canary");
    expect(codeOf(() => readParameters("v", { timeout: 0 }, schema)).code).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => readParameters("v", { purge: "yes" }, schema)).code).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => readParameters("v", { mount: 3 }, schema)).code).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => readParameters("v", { kvVersion: 3 }, schema)).code).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => readParameters("v", { mount: "" }, schema)).code).toBe("INVALID_ARGUMENT");
  });
});
