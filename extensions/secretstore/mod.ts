/**
 * secretstore: the built-in encrypted local vault (core/store/secret-store.ts). Parameters:
 * `path` (store directory, default `<home>/secretstore`), `authentication: "none"` (only used when
 * this vault creates the store on first use) and `kdf` (Argon2id parameters for a store it creates,
 * within the same bounds as the header). A locked store unlocks with the password the application gave
 * (`SecretManagement.open({ passwords })`), else from $SECRETSTORE_PASSWORD, else by
 * prompting when its interaction is "prompt", else fails with PASSWORD_REQUIRED. Unregistering leaves
 * the files in place.
 */
import { SecretManagementError } from "../../core/errors.ts";
import { isAbsolutePath, joinPath } from "../../core/paths.ts";
import { defineVault, type VaultContext, type VaultExtension } from "../../core/extension.ts";
import { type KdfParams, SecretStore } from "../../core/store/secret-store.ts";
import { SECRET_TYPES } from "../../core/types.ts";
import { storeDirectory } from "./directory.ts";

export const PASSWORD_ENV = "SECRETSTORE_PASSWORD";
const NEW_PASSWORD_ATTEMPTS = 3;

export interface SecretStoreVault extends VaultExtension {
  /** Not part of the extension contract: the CLI reaches config, lock and the unlock agent through it. */
  readonly store: SecretStore;
}

function invalid(message: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", `secretstore: ${message}`);
}

function readParameters(context: VaultContext) {
  const { path, authentication, kdf } = context.parameters;
  if (path !== undefined && (typeof path !== "string" || path === "")) throw invalid('parameter "path" must be a directory path');
  // A relative path would name another store in every working directory: register the absolute one.
  if (typeof path === "string" && !isAbsolutePath(path)) {
    throw invalid(`parameter "path" must be absolute: register "${joinPath(context.runtime, context.runtime.cwd(), path)}" instead`);
  }
  if (authentication !== undefined && authentication !== "none" && authentication !== "password") {
    throw invalid('parameter "authentication" must be "none" or "password"');
  }
  let kdfParams: KdfParams | undefined;
  if (kdf !== undefined) {
    if (typeof kdf !== "object" || kdf === null || Array.isArray(kdf)) {
      throw invalid('parameter "kdf" must be { memoryKiB, iterations, parallelism }');
    }
    kdfParams = {
      memoryKiB: Number(kdf.memoryKiB),
      iterations: Number(kdf.iterations),
      parallelism: Number(kdf.parallelism ?? 1),
    };
  }
  return {
    directory: storeDirectory(context.runtime, context.home, context.parameters),
    noPassword: authentication === "none",
    kdf: kdfParams,
  };
}

export default defineVault(async (context): Promise<SecretStoreVault> => {
  const { directory, noPassword, kdf } = readParameters(context);
  const store = await SecretStore.open({ runtime: context.runtime, directory, kdf });

  async function newPassword(): Promise<string> {
    for (let attempt = 1; attempt <= NEW_PASSWORD_ATTEMPTS; attempt++) {
      const first = await context.prompt(`New password for SecretStore vault "${context.vaultName}": `);
      const second = await context.prompt("Repeat the password: ");
      if (first !== "" && first === second) return first;
      context.runtime.writeStderr(first === "" ? "The password must not be empty.\n" : "The passwords do not match.\n");
    }
    throw new SecretManagementError("PASSWORD_REQUIRED", `no new password was confirmed after ${NEW_PASSWORD_ATTEMPTS} attempts`);
  }

  async function create(password?: string): Promise<void> {
    try {
      if (noPassword) await store.create({ config: { authentication: "none" } });
      else {
        const given = password ?? context.password ?? context.runtime.env(PASSWORD_ENV);
        await store.create({ password: given ?? (await newPassword()) });
      }
    } catch (error) {
      // Another process created it first: use theirs.
      if (!(error instanceof SecretManagementError && error.code === "VAULT_EXISTS")) throw error;
    }
  }

  async function ready(): Promise<void> {
    if (!store.exists()) await create();
    if (!store.isLocked()) return;
    const password = context.password ?? context.runtime.env(PASSWORD_ENV);
    if (password !== undefined && password !== "") return await store.unlock(password);
    if (store.config.interaction === "prompt") {
      return await store.unlock(await context.prompt(`Password for SecretStore vault "${context.vaultName}": `));
    }
    throw new SecretManagementError(
      "PASSWORD_REQUIRED",
      `SecretStore vault "${context.vaultName}" is locked and its interaction is "none": unlock it first or set ${PASSWORD_ENV}`,
    );
  }

  /** Runs `work` on an unlocked store (created first if missing); once more if the key expired in between. */
  async function withStore<T>(work: () => Promise<T>): Promise<T> {
    await ready();
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SecretManagementError && error.code === "PASSWORD_REQUIRED")) throw error;
      await ready();
      return await work();
    }
  }

  /** Reads and changes of existing secrets: a store that does not exist holds nothing and is not created by them. */
  async function inExisting<T>(whenMissing: () => T, work: () => Promise<T>): Promise<T> {
    if (!store.exists()) return whenMissing();
    return await withStore(work);
  }

  const notFound = (name: string) => () => {
    throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
  };

  return {
    store,
    capabilities: { metadata: true, types: SECRET_TYPES },
    getSecret: (name) => inExisting(() => undefined, () => store.get(name)),
    setSecret: (name, value, metadata, options) => withStore(() => store.set(name, value, metadata, options)),
    removeSecret: (name) => inExisting(notFound(name), () => store.remove(name)),
    getSecretInfo: (filter) => inExisting(() => [], () => store.list(filter)),
    setSecretInfo: (name, metadata) => inExisting(notFound(name), () => store.setMetadata(name, metadata)),
    // A store not created yet is usable (the first write creates it); testing must not prompt for a new password.
    test: async () => !store.exists() || (await withStore(async () => (await store.get("secretstore-test-probe"), true))),
    async unlock(password) {
      // Unlocking a store that does not exist yet creates it with that password.
      if (!store.exists()) return await create(password);
      await store.unlock(password);
    },
    async unregister() {
      store.lock(); // the files stay: unregistering forgets the vault, it does not delete secrets
    },
  };
});
