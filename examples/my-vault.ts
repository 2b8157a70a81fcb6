// A third-party vault in a dozen lines: register it with sm.registerVault("mine", "./examples/my-vault.ts").
// It keeps values in this process only (persistent: false), so it is registered for the `sm` instance
// and never in vaults.json; a vault that stores its values somewhere lasting leaves `persistent` out.
import { defineVault, SecretManagementError } from "../mod.ts";

const values = new Map<string, string>();

export default defineVault((context) => ({
  capabilities: { metadata: false, types: ["string"], persistent: false },
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
