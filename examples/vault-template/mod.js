/**
 * jsonfile: a vault that keeps its secrets in one JSON file, 0600 — a template for writing a vault
 * package. Plain JavaScript with JSDoc types, so Node, Deno and Bun load it with no build step.
 *
 * Parameters (checked at registration, never holding a secret):
 *   path   absolute path of the JSON file (created on the first write)
 */
import {
  decodeSecret,
  defineVault,
  encodeSecret,
  metadataFromJson,
  metadataToJson,
  readParameters,
  SECRET_TYPES,
  SecretManagementError,
  compileWildcard,
} from "secretmanagement/extension";

/** The parameters this vault reads; unknown ones are refused at registration, listing these. */
const SCHEMA = /** @type {const} */ ({
  path: { type: "string" },
});

export default defineVault((context) => {
  const { vaultName: vault, runtime } = context;
  const { path } = readParameters(vault, context.parameters, SCHEMA);
  if (path === undefined || !path.startsWith("/")) {
    throw new SecretManagementError("INVALID_ARGUMENT", "jsonfile needs path: the absolute path of its file", { vault });
  }
  const fs = runtime.fs;
  if (!fs) throw new SecretManagementError("UNSUPPORTED", "jsonfile needs a file system", { vault });

  /** @returns {Record<string, { name: string, value: string, metadata: Record<string, unknown> }>} */
  function load() {
    const bytes = fs.readFile(path);
    if (bytes === undefined) return {};
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new SecretManagementError("STORE_CORRUPT", `${path} is not a jsonfile vault`, { vault, cause: error });
    }
  }

  function save(data) {
    fs.writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(data)), 0o600);
  }

  const typeOf = (text) => JSON.parse(text).type;

  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      const entry = load()[name.toLowerCase()];
      return entry && decodeSecret(entry.value);
    },

    async setSecret(name, value, metadata, options) {
      const data = load();
      const existing = data[name.toLowerCase()];
      if (existing && options?.noClobber) {
        throw new SecretManagementError("SECRET_EXISTS", `a secret named "${existing.name}" already exists`, { vault });
      }
      data[name.toLowerCase()] = {
        name,
        value: encodeSecret(value),
        metadata: metadata === undefined ? (existing?.metadata ?? {}) : metadataToJson(metadata),
      };
      save(data);
    },

    async removeSecret(name) {
      const data = load();
      if (!data[name.toLowerCase()]) throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`, { vault });
      delete data[name.toLowerCase()];
      save(data);
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      return Object.values(load())
        .filter((entry) => matches(entry.name))
        .map((entry) => ({ name: entry.name, type: typeOf(entry.value), metadata: metadataFromJson(entry.metadata) }));
    },

    async setSecretInfo(name, metadata) {
      const data = load();
      const entry = data[name.toLowerCase()];
      if (!entry) throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`, { vault });
      entry.metadata = metadataToJson(metadata);
      save(data);
    },

    async test() {
      load();
      return true;
    },
  };
});
