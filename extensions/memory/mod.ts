/**
 * memory: secrets held in this process only, every value type with metadata. It is the reference
 * implementation of the extension contract, and what tests and edge code use.
 * Vaults with the same home and name share their contents within the process. Its registrations
 * are not persistent: they last as long as the SecretManagement instance, never in vaults.json.
 */
import { secretExists, secretNotFound } from "../../core/errors.ts";
import { defineVault, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import {
  copyMetadata,
  copySecretValue,
  type Metadata,
  nameKey,
  SECRET_TYPES,
  secretTypeOf,
  type SecretValue,
} from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";

interface Entry {
  name: string;
  value: SecretValue;
  metadata: Metadata;
}

const vaults = new Map<string, Map<string, Entry>>();

export default defineVault((context): VaultExtension => {
  const vaultKey = `${context.home}\u0000${nameKey(context.vaultName)}`;
  const entries = (): Map<string, Entry> => {
    let map = vaults.get(vaultKey);
    if (!map) vaults.set(vaultKey, (map = new Map()));
    return map;
  };

  return {
    // Nothing survives the process, so the registration must not either (a CLI `set` would vanish).
    capabilities: { metadata: true, types: SECRET_TYPES, persistent: false },

    async getSecret(name) {
      const entry = entries().get(nameKey(name));
      return entry && copySecretValue(entry.value);
    },

    async setSecret(name, value, metadata, options) {
      const existing = entries().get(nameKey(name));
      if (existing && options?.noClobber) {
        throw secretExists(existing.name);
      }
      entries().set(nameKey(name), {
        name,
        value: copySecretValue(value),
        metadata: copyMetadata(metadata ?? existing?.metadata ?? {}),
      });
    },

    async removeSecret(name) {
      if (!entries().delete(nameKey(name))) throw secretNotFound(name);
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const infos: VaultSecretInfo[] = [];
      for (const entry of entries().values()) {
        if (matches(entry.name)) {
          infos.push({ name: entry.name, type: secretTypeOf(entry.value), metadata: copyMetadata(entry.metadata) });
        }
      }
      return infos;
    },

    async setSecretInfo(name, metadata) {
      const entry = entries().get(nameKey(name));
      if (!entry) throw secretNotFound(name);
      entry.metadata = copyMetadata(metadata);
    },

    async test() {
      return true;
    },

    async unregister() {
      vaults.delete(vaultKey);
    },
  };
});
