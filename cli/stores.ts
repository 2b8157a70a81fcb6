/**
 * The CLI's side of SecretStore vaults: finding them, creating the local one on first use, and
 * unlocking them before a command runs — from the unlock agent when it holds the key, else with a
 * password (`--password-stdin`, or a prompt that then hands the key to a new agent).
 */
import type { SecretManagement } from "../core/manager.ts";
import { SecretManagementError } from "../core/errors.ts";
import { LOCAL_VAULT } from "../core/manager.ts";
import type { SecretValue } from "../core/types.ts";
import type { Context } from "./context.ts";

export interface StoreConfig {
  authentication: "password" | "none";
  passwordTimeout: number;
  interaction: "prompt" | "none";
}

/** The part of SecretStore (core/store/secret-store.ts) the CLI uses. */
export interface Store {
  exists(): boolean;
  create(options: { password?: string; config?: Partial<StoreConfig> }): Promise<void>;
  readonly config: StoreConfig;
  setConfig(changes: Partial<StoreConfig>, options?: { password?: string }): Promise<void>;
  readonly storeId: string;
  readonly directory: string;
  isLocked(): boolean;
  unlock(password: string, options?: { timeout?: number }): Promise<void>;
  lock(): void;
  changePassword(
    oldPassword: string,
    newPassword: string,
    options?: { rotateKey?: boolean; onProgress?: (done: number, total: number) => void },
  ): Promise<void>;
  reset(options: { force: boolean; password?: string; config?: Partial<StoreConfig> }): Promise<void>;
  exportDataKey(): Uint8Array;
  unlockWithDataKey(key: Uint8Array, options?: { timeout?: number }): void;
}

export const STORE_MODULE = "secretstore";

export async function storeOf(sm: SecretManagement, vault: string): Promise<Store> {
  const extension = (await sm.getVaultExtension(vault)) as unknown as { store?: Store };
  if (extension.store === undefined) {
    throw new SecretManagementError("UNSUPPORTED", `vault "${vault}" is not a SecretStore`, { vault });
  }
  return extension.store;
}

/** The SecretStore vault a `store` command acts on: --vault, else the default one, else the first. */
export async function storeVaultName(context: Context, sm: SecretManagement): Promise<string> {
  const explicit = context.flag("vault");
  const vaults = await sm.getVaults();
  if (explicit !== undefined) {
    const vault = vaults.find((v) => v.name.toLowerCase() === explicit.toLowerCase());
    if (vault === undefined) throw new SecretManagementError("VAULT_NOT_FOUND", `no vault named "${explicit}" is registered`);
    if (vault.module !== STORE_MODULE) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" is not a SecretStore`, { vault: vault.name });
    }
    return vault.name;
  }
  const stores = vaults.filter((vault) => vault.module === STORE_MODULE);
  const chosen = stores.find((vault) => vault.isDefault) ?? stores[0];
  if (chosen === undefined) {
    throw new SecretManagementError(
      "VAULT_NOT_FOUND",
      "no SecretStore vault is registered (the first `secret set` creates one)",
    );
  }
  return chosen.name;
}

/**
 * First use: registers `local` as a SecretStore (the default unless another vault is) and creates it,
 * with a new password (asked twice on a terminal), or none with --no-password or `authentication:
 * "none"` in `config`. If the store cannot be created, the registration is taken back.
 */
export async function createLocalStore(context: Context, sm: SecretManagement, config: Partial<StoreConfig> = {}): Promise<void> {
  const noPassword = context.has("no-password") || config.authentication === "none";
  const password = noPassword ? undefined : await context.newPassword();
  await sm.registerVault(LOCAL_VAULT.name, LOCAL_VAULT.module, { description: "local encrypted SecretStore" });
  let store: Store;
  try {
    store = await storeOf(sm, LOCAL_VAULT.name);
    if (!store.exists()) {
      await store.create(noPassword ? { config: { ...config, authentication: "none" } } : { password, config });
    }
  } catch (error) {
    await sm.unregisterVault(LOCAL_VAULT.name);
    throw error;
  }
  if (password !== undefined && !context.has("password-stdin") && !context.runtime.env("SECRETSTORE_PASSWORD")) {
    await shareWithAgent(context, sm, store);
  }
}

/**
 * Unlocks the SecretStore vaults a command may touch (`only`, or all of them) before it runs: with the
 * key the unlock agent holds, or with --password-stdin. A store left locked unlocks itself when the
 * command reaches it (SECRETSTORE_PASSWORD, else a prompt on a terminal, else PASSWORD_REQUIRED); if
 * that was a prompt, its key goes to the agent once the command has finished.
 */
export async function prepareStores(context: Context, sm: SecretManagement, only?: string): Promise<void> {
  const vaults = (await sm.getVaults()).filter((vault) =>
    vault.module === STORE_MODULE && (only === undefined || vault.name.toLowerCase() === only.toLowerCase())
  );
  for (const vault of vaults) {
    let store: Store;
    try {
      store = await storeOf(sm, vault.name);
    } catch (error) {
      if (only !== undefined) throw error;
      context.warn((error as Error).message);
      continue;
    }
    if (!store.exists() || !store.isLocked() || store.config.authentication === "none") continue;
    if (await unlockFromAgent(context, sm, store)) continue;
    if (context.has("password-stdin")) {
      await store.unlock(await context.password(""));
    } else if (!context.runtime.env("SECRETSTORE_PASSWORD") && context.runtime.stdinIsTerminal()) {
      context.onFinish(async () => {
        if (!store.isLocked()) await shareWithAgent(context, sm, store);
      });
    }
  }
}

/**
 * Unlocks a store with the key the agent holds; false when it holds none. An agent that does not
 * answer or holds a key that no longer fits is passed over with a warning; a socket directory that
 * is not safe to use is an error.
 */
async function unlockFromAgent(context: Context, sm: SecretManagement, store: Store): Promise<boolean> {
  const { fetchKey } = await import("./agent.ts");
  let held;
  try {
    held = await fetchKey(context.runtime, sm.home, store.storeId);
  } catch (error) {
    if ((error as SecretManagementError).code === "PERMISSION_DENIED") throw error;
    context.warn((error as Error).message);
    return false;
  }
  if (held === undefined) return false;
  try {
    store.unlockWithDataKey(held.key, { timeout: held.remaining });
    return true;
  } catch {
    context.warn("the unlock agent holds a key that does not open this store; ignoring it");
    return false;
  } finally {
    held.key.fill(0);
  }
}

/**
 * Hands the unlocked store's data key to the unlock agent, starting it when none runs. A failure is a
 * warning, unless `required` (`store unlock`, whose only purpose is the agent): then it is the error.
 */
export async function shareWithAgent(
  context: Context,
  sm: SecretManagement,
  store: Store,
  options: { required?: boolean } = {},
): Promise<void> {
  const timeout = store.config.passwordTimeout;
  if (timeout === 0) return; // single use: nothing outlives this command
  const { giveKey } = await import("./agent.ts");
  const key = store.exportDataKey();
  try {
    await giveKey(context.runtime, sm.home, { storeId: store.storeId, directory: store.directory, key, timeout });
  } catch (error) {
    if (options.required) throw error;
    context.warn(`the unlock agent did not start: ${(error as Error).message}`);
  } finally {
    key.fill(0);
  }
}

/**
 * `secret get` from the unlock agent when the vault it would read first (--vault, else the default)
 * is a SecretStore whose key the agent holds: the agent answers from its open store, and this process
 * skips loading the manager, the store engine and the log. Undefined when that does not apply.
 */
export async function readFromAgent(context: Context, name: string, vault: string | undefined): Promise<SecretValue | undefined> {
  const [{ VaultRegistry }, { findVaultName }, { resolveHome }, { storeDirectory }] = await Promise.all([
    import("../core/registry-file.ts"),
    import("../core/registry.ts"),
    import("../core/paths.ts"),
    import("../extensions/secretstore/directory.ts"),
  ]);
  const home = resolveHome(context.runtime);
  const data = new VaultRegistry(context.runtime, home).read();
  const target = vault ?? data.defaultVault ?? undefined;
  const registered = target === undefined ? undefined : findVaultName(data, target);
  const registration = registered === undefined ? undefined : data.vaults[registered];
  if (registration?.module !== STORE_MODULE) return undefined;
  const directory = storeDirectory(context.runtime, home, registration.parameters);
  const { readThroughAgent } = await import("./agent.ts");
  return await readThroughAgent(context.runtime, home, directory, name);
}
