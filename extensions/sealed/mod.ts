/**
 * sealed: a read-only vault over a sealed store (core/sealed.ts), served through the normal API and
 * search order. On Node, Deno and Bun the snapshot is a file (`path`); at the edge, where there are
 * no files, `sealedVault(bytes)` makes a vault from bytes the worker bundled, fetched or read from a
 * binding. The key is a secret, so it never goes in parameters: it comes from the environment
 * variable `keyEnv` names (default SECRETMANAGEMENT_SEALED_KEY) or a `key` secret:// reference.
 */
import { SecretManagementError } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultFactory } from "../../core/extension.ts";
import { readParameters } from "../../core/parameters.ts";
import { openSealedStore, type SealedStore } from "../../core/sealed.ts";
import { readSecret, type SecretSource } from "../../core/secret-source.ts";

export const DEFAULT_KEY_ENV = "SECRETMANAGEMENT_SEALED_KEY";

const SCHEMA = {
  path: { type: "string" },
  keyEnv: { type: "string", default: DEFAULT_KEY_ENV },
  key: { type: "reference" },
} as const;

const SECRET_KEYS = { sealedKey: "the variable keyEnv names, or a key secret:// reference" };

function readOnly(): SecretManagementError {
  return new SecretManagementError("UNSUPPORTED", "a sealed store is read-only: export a new one with `secret store export --sealed`");
}

function sealedVaultOver(context: VaultContext, load: () => Uint8Array): VaultExtension {
  const vault = context.vaultName;
  const parameters = readParameters(vault, context.parameters, SCHEMA, { secretKeys: SECRET_KEYS });
  let store: Promise<SealedStore> | undefined;
  async function key(): Promise<string> {
    const source: SecretSource = parameters.key !== undefined ? { reference: parameters.key } : { env: parameters.keyEnv };
    return (await readSecret(context, "sealed store key", [source], ["key"])).value;
  }
  const opened = (): Promise<SealedStore> => {
    store ??= (async () => openSealedStore(load(), await key()))().catch((error) => {
      store = undefined;
      throw error;
    });
    return store;
  };
  return {
    capabilities: { metadata: true, types: ["string", "bytes", "credential", "map"], readOnly: true },
    async getSecret(name) {
      try {
        return await (await opened()).get(name);
      } catch (error) {
        if (error instanceof SecretManagementError && error.code === "SECRET_NOT_FOUND") return undefined;
        throw error;
      }
    },
    async getSecretInfo(filter) {
      return (await (await opened()).info(filter)).map(({ name, type, metadata }) => ({ name, type, metadata }));
    },
    async setSecret() {
      throw readOnly();
    },
    async removeSecret() {
      throw readOnly();
    },
    async setSecretInfo() {
      throw readOnly();
    },
    async test() {
      await opened();
      return true;
    },
  };
}

/** The file-backed vault: `path` (absolute) names the sealed file. */
export default defineVault((context) => {
  const path = context.parameters.path;
  if (typeof path !== "string" || !(path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path))) {
    throw new SecretManagementError("INVALID_ARGUMENT", "sealed needs the path parameter: the absolute path of a sealed store file");
  }
  return sealedVaultOver(context, () => {
    const fs = context.runtime.fs;
    if (!fs) throw new SecretManagementError("UNSUPPORTED", "this runtime has no files: use sealedVault(bytes)");
    const bytes = fs.readFile(path);
    if (bytes === undefined) {
      throw new SecretManagementError("VAULT_UNAVAILABLE", `sealed store file ${path} does not exist`);
    }
    return bytes;
  });
});

/** A vault over sealed bytes already in memory (edge runtimes): `registerVault("config", sealedVault(bytes))`. */
export function sealedVault(bytes: Uint8Array | ArrayBuffer): VaultFactory {
  const copy = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return defineVault((context) => {
    const { path, ...rest } = context.parameters;
    if (path !== undefined) {
      throw new SecretManagementError("INVALID_ARGUMENT", "a vault made by sealedVault(bytes) takes no path");
    }
    return sealedVaultOver({ ...context, parameters: rest }, () => copy);
  });
}
