/**
 * env: a read-only vault over environment variables. Secret `db-password` with parameter
 * `prefix: "APP"` is `$APP_DB_PASSWORD`: upper-cased, every character outside [A-Z0-9_] becomes `_`.
 * Without a prefix the variable is `$DB_PASSWORD`.
 */
import { SecretManagementError } from "../../core/errors.ts";
import { defineVault, type VaultExtension } from "../../core/extension.ts";
import { readParameters } from "../../core/parameters.ts";
import { compileWildcard } from "../../core/wildcard.ts";

export function variableName(prefix: string, name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
  return prefix ? `${prefix}_${upper}` : upper;
}

const PARAMETERS = { prefix: { type: "string" } } as const;

export default defineVault((context): VaultExtension => {
  const prefix = readParameters(context.vaultName, context.parameters, PARAMETERS).prefix ?? "";
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) {
    throw new SecretManagementError("INVALID_ARGUMENT", 'env vault parameter "prefix" must be letters, digits or "_"');
  }
  const readOnly = () =>
    new SecretManagementError("UNSUPPORTED", "an env vault reads environment variables only");

  return {
    capabilities: { metadata: false, types: ["string"], readOnly: true },

    async getSecret(name) {
      return context.runtime.env(variableName(prefix, name));
    },

    async setSecret() {
      throw readOnly();
    },

    async removeSecret() {
      throw readOnly();
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const start = prefix ? `${prefix}_` : "";
      return Object.keys(context.runtime.envObject())
        .filter((variable) => variable.startsWith(start) && variable.length > start.length)
        .map((variable) => variable.slice(start.length))
        .filter(matches)
        .map((name) => ({ name, type: "string" as const, metadata: {} }));
    },

    async test() {
      return true;
    },
  };
});
