/**
 * secretstore: the built-in encrypted local vault (core/store/secret-store.ts). Parameters:
 * `path` (store directory, default `<home>/secretstore`), `authentication: "none"` (only used when
 * this vault creates the store on first use) and `kdf` (Argon2id parameters for a store it creates,
 * within the same bounds as the header). A locked store unlocks with a key its password source holds
 * (the CLI's unlock agent), else the password given for it (`SecretManagement.open({ passwords })`),
 * else $SECRETSTORE_PASSWORD, else by asking when its interaction is "prompt", else fails with
 * PASSWORD_REQUIRED. Unregistering leaves the files in place. `secretStoreOf(sm, vault)` reaches the
 * engine of a registered SecretStore (configuration, locking, the agent's key).
 */
import { SecretManagementError, secretNotFound } from "../../core/errors.ts";
import type { SecretManagement } from "../../core/manager.ts";
import { isAbsolutePath, joinPath } from "../../core/paths.ts";
import { defineVault, type VaultContext, type VaultExtension } from "../../core/extension.ts";
import { type KdfParams, SecretStore, type StoreConfig } from "../../core/store/secret-store.ts";
import { SECRET_TYPES } from "../../core/types.ts";
import { PASSWORD_ENV, storeDirectory } from "./registration.ts";

export { isSecretStoreModule, PASSWORD_ENV, SECRETSTORE_MODULE } from "./registration.ts";

/** A registered SecretStore vault, as `secretStoreOf` gives it. */
export interface SecretStoreVault {
  readonly vault: string;
  /** The engine: configuration, locking, the data key for the unlock agent. */
  readonly store: SecretStore;
  /**
   * Creates the store if it does not exist yet. Its password comes as for unlocking (given, then
   * $SECRETSTORE_PASSWORD, else a new one asked twice); none when `config.authentication` or the
   * vault's `authentication` parameter is "none".
   */
  create(config?: Partial<StoreConfig>): Promise<void>;
}

/** The SecretStore behind each extension this module made, for `secretStoreOf`. */
const storeVaults = new WeakMap<VaultExtension, SecretStoreVault>();

/** The SecretStore behind a registered vault (by name, ignoring case); undefined when it is another kind of vault. */
export async function secretStoreOf(sm: SecretManagement, vault: string): Promise<SecretStoreVault | undefined> {
  return storeVaults.get(await sm.getVaultExtension(vault));
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

export default defineVault(async (context): Promise<VaultExtension> => {
  const { directory, noPassword, kdf } = readParameters(context);
  const { vaultName: vault, passwords } = context;
  const store = await SecretStore.open({ runtime: context.runtime, directory, kdf });

  /** The password given for this vault, else $SECRETSTORE_PASSWORD; undefined when neither is set. */
  async function givenPassword(): Promise<string | undefined> {
    return (await passwords.given(vault)) || context.runtime.env(PASSWORD_ENV) || undefined;
  }

  async function create(options: { password?: string; config?: Partial<StoreConfig> } = {}): Promise<void> {
    const config: Partial<StoreConfig> = noPassword ? { ...options.config, authentication: "none" } : options.config ?? {};
    try {
      if (config.authentication === "none") return await store.create({ config });
      const password = options.password ?? (await givenPassword()) ??
        (await passwords.ask({ vault, message: "New password: ", purpose: "new" }));
      await store.create({ password, config });
    } catch (error) {
      // Another process created it first: use theirs.
      if (!(error instanceof SecretManagementError && error.code === "VAULT_EXISTS")) throw error;
    }
  }

  async function ready(): Promise<void> {
    if (!store.exists()) await create();
    if (!store.isLocked()) return;
    const unlock = (key: Uint8Array, remainingSeconds: number) => store.unlockWithDataKey(key, { timeout: remainingSeconds });
    if (await passwords.unlockWithHeldKey?.({ vault, storeId: store.storeId, unlock })) return;
    const password = await givenPassword();
    if (password !== undefined) return await store.unlock(password);
    if (store.config.interaction === "prompt") {
      return await store.unlock(await passwords.ask({ vault, message: `Password for SecretStore vault "${vault}": `, purpose: "unlock" }));
    }
    throw new SecretManagementError(
      "PASSWORD_REQUIRED",
      `the SecretStore is locked and its interaction is "none": unlock it first or set ${PASSWORD_ENV}`,
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
    throw secretNotFound(name);
  };

  const extension: VaultExtension = {
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
      if (!store.exists()) return await create({ password });
      await store.unlock(password);
    },
    async unregister() {
      store.lock(); // the files stay: unregistering forgets the vault, it does not delete secrets
    },
  };
  storeVaults.set(extension, { vault, store, create: (config) => create({ config }) });
  return extension;
});
