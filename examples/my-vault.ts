// A third-party vault in a dozen lines: register it with
//   sm.registerVault("mine", "./examples/my-vault.ts")   or   secret vault register mine ./examples/my-vault.ts
import { defineVault, SecretManagementError } from "../mod.ts";

const values = new Map<string, string>();

export default defineVault((context) => ({
  capabilities: { metadata: false, types: ["string"] },
  async getSecret(name) {
    return values.get(`${context.vaultName}:${name.toLowerCase()}`);
  },
  async setSecret(name, value, _metadata, options) {
    const key = `${context.vaultName}:${name.toLowerCase()}`;
    if (options?.noClobber && values.has(key)) throw new SecretManagementError("SECRET_EXISTS", `${name} exists`);
    values.set(key, value as string);
  },
  async removeSecret(name) {
    if (!values.delete(`${context.vaultName}:${name.toLowerCase()}`)) {
      throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
    }
  },
  async getSecretInfo() {
    const prefix = `${context.vaultName}:`;
    return [...values.keys()].filter((k) => k.startsWith(prefix))
      .map((k) => ({ name: k.slice(prefix.length), type: "string" as const, metadata: {} }));
  },
  async test() {
    return true;
  },
}));
