/**
 * The CLI's side of SecretStore vaults. Its password source, which the manager hands to every vault
 * (core/extension.ts PasswordSource): a store unlocks with the key the unlock agent holds, else the
 * password from --password-stdin, else SECRETSTORE_PASSWORD (read by the vault), else a prompt —
 * and a store unlocked or created at a prompt hands its key to the agent once the command succeeded.
 * Also: which SecretStore a `store` command acts on, and `secret get` answered by the agent.
 */
import { SecretManagementError } from "../core/errors.ts";
import type { PasswordRequest, PasswordSource } from "../core/extension.ts";
import type { SecretManagement } from "../core/manager.ts";
import { askOnTerminal } from "../core/passwords.ts";
import type { StoreConfig } from "../core/store/secret-store.ts";
import { nameKey, type SecretValue } from "../core/types.ts";
import { isSecretStoreModule, PASSWORD_ENV, storeDirectory } from "../extensions/secretstore/registration.ts";
import type { SecretStoreVault } from "../extensions/secretstore/mod.ts";
import type { Context } from "./context.ts";

/** What the CLI tells someone whose vault needs a password where no terminal can ask. */
export const PASSWORD_REMEDY = `use --password-stdin or ${PASSWORD_ENV}`;

export class CliPasswords implements PasswordSource {
  readonly #context: Context;
  #stdinLines: Promise<string[]> | undefined;
  /** Vaults (by name key) whose key goes to the unlock agent after the command. */
  readonly #prompted = new Set<string>();

  constructor(context: Context) {
    this.#context = context;
  }

  /** With --password-stdin, its first line. */
  async given(): Promise<string | undefined> {
    return this.#context.has("password-stdin") ? await this.#stdinLine(0) : undefined;
  }

  /** A prompt; the key of a store it unlocked or created goes to the unlock agent after the command. */
  async ask(request: PasswordRequest): Promise<string> {
    const password = await askOnTerminal(this.#context.runtime, request, PASSWORD_REMEDY);
    const key = nameKey(request.vault);
    if (!this.#prompted.has(key)) {
      this.#prompted.add(key);
      this.#context.onFinish(() => this.#handOver(request.vault));
    }
    return password;
  }

  /**
   * The key the unlock agent holds for the store. An agent that does not answer, or holds a key that
   * no longer fits, is passed over with a warning; a socket directory not safe to use is an error.
   */
  async unlockWithHeldKey(request: { storeId: string; unlock: (key: Uint8Array, remainingSeconds: number) => void }): Promise<boolean> {
    const context = this.#context;
    const { fetchKey } = await import("./agent.ts");
    let held;
    try {
      held = await fetchKey(context.runtime, (await context.open()).home, request.storeId);
    } catch (error) {
      if (error instanceof SecretManagementError && error.code === "PERMISSION_DENIED") throw error;
      context.warn((error as Error).message);
      return false;
    }
    if (held === undefined) return false;
    try {
      request.unlock(held.key, held.remaining);
      return true;
    } catch {
      context.warn("the unlock agent holds a key that does not open this store; ignoring it");
      return false;
    } finally {
      held.key.fill(0);
    }
  }

  /** Unlocks a store a command works on directly (`store config`) with the agent's key, when it holds one. */
  async unlockFromAgent({ store }: SecretStoreVault): Promise<void> {
    await this.unlockWithHeldKey({
      storeId: store.storeId,
      unlock: (key, remainingSeconds) => store.unlockWithDataKey(key, { timeout: remainingSeconds }),
    });
  }

  /**
   * A password a command asks for itself (`store unlock`, the current one for `store password`):
   * line `index` of stdin with --password-stdin, else SECRETSTORE_PASSWORD, else a no-echo prompt.
   */
  async password(vault: string, message: string, index = 0): Promise<string> {
    if (this.#context.has("password-stdin")) return await this.#stdinLine(index);
    return this.#context.runtime.env(PASSWORD_ENV) ||
      (await askOnTerminal(this.#context.runtime, { vault, message, purpose: "unlock" }, PASSWORD_REMEDY));
  }

  /**
   * A new password a command sets: line `index` of stdin with --password-stdin, else
   * SECRETSTORE_PASSWORD where `fromEnvironment` (not when changing the password), else asked twice.
   */
  async newPassword(vault: string, index = 0, fromEnvironment = true): Promise<string> {
    if (this.#context.has("password-stdin")) return await this.#stdinLine(index);
    const fromEnv = fromEnvironment ? this.#context.runtime.env(PASSWORD_ENV) : undefined;
    return fromEnv || (await askOnTerminal(this.#context.runtime, { vault, message: "New password: ", purpose: "new" }, PASSWORD_REMEDY));
  }

  /** Lines of stdin are read once: `store password` takes two passwords from it. */
  async #stdinLine(index: number): Promise<string> {
    this.#stdinLines ??= this.#context.host.readStdin().then((bytes) => new TextDecoder().decode(bytes).split(/\r?\n/));
    const line = (await this.#stdinLines)[index];
    if (line === undefined || line === "") {
      throw new SecretManagementError("PASSWORD_REQUIRED", "--password-stdin: no password on stdin");
    }
    return line;
  }

  async #handOver(vault: string): Promise<void> {
    const sm = await this.#context.open();
    const { secretStoreOf } = await import("../extensions/secretstore/mod.ts");
    const found = await secretStoreOf(sm, vault);
    if (found !== undefined && !found.store.isLocked()) await shareWithAgent(this.#context, sm, found);
  }
}

/** The SecretStore behind `vault`; UNSUPPORTED when it is another kind of vault. */
export async function requireStore(sm: SecretManagement, vault: string): Promise<SecretStoreVault> {
  const { secretStoreOf } = await import("../extensions/secretstore/mod.ts");
  const found = await secretStoreOf(sm, vault);
  if (found === undefined) throw new SecretManagementError("UNSUPPORTED", `vault "${vault}" is not a SecretStore`, { vault });
  return found;
}

/** The SecretStore vault a `store` command acts on: --vault, else the default one, else the first. */
export async function storeVaultName(context: Context, sm: SecretManagement): Promise<string> {
  const explicit = context.flag("vault");
  const vaults = await sm.getVaults();
  if (explicit !== undefined) {
    const vault = vaults.find((v) => v.name.toLowerCase() === explicit.toLowerCase());
    if (vault === undefined) throw new SecretManagementError("VAULT_NOT_FOUND", `no vault named "${explicit}" is registered`);
    if (!isSecretStoreModule(vault.module)) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" is not a SecretStore`, { vault: vault.name });
    }
    return vault.name;
  }
  const stores = vaults.filter((vault) => isSecretStoreModule(vault.module));
  const chosen = stores.find((vault) => vault.isDefault) ?? stores[0];
  if (chosen === undefined) {
    throw new SecretManagementError(
      "VAULT_NOT_FOUND",
      "no SecretStore vault is registered (the first `secret set` creates one)",
    );
  }
  return chosen.name;
}

/** Whether any registered vault is a SecretStore. */
export async function hasStoreVault(sm: SecretManagement): Promise<boolean> {
  return (await sm.getVaults()).some((vault) => isSecretStoreModule(vault.module));
}

/**
 * First use with a configuration (`set --no-password`, `store config` on a home without a store):
 * the manager registers `local` (core/manager.ts registerLocalVault, taken back if this fails) and
 * its vault creates the store with `config`.
 */
export async function registerLocalStore(sm: SecretManagement, config: Partial<StoreConfig>): Promise<void> {
  const { LOCAL_VAULT } = await import("../core/manager.ts");
  await sm.registerLocalVault(async () => await (await requireStore(sm, LOCAL_VAULT.name)).create(config));
}

/**
 * Hands the unlocked store's data key to the unlock agent, starting it when none runs. A failure is a
 * warning, unless `required` (`store unlock`, whose only purpose is the agent): then it is the error.
 */
export async function shareWithAgent(
  context: Context,
  sm: SecretManagement,
  { store }: SecretStoreVault,
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
  const [{ VaultRegistry }, { findVaultName }, { resolveHome }] = await Promise.all([
    import("../core/registry-file.ts"),
    import("../core/registry.ts"),
    import("../core/paths.ts"),
  ]);
  const home = resolveHome(context.runtime);
  const data = new VaultRegistry(context.runtime, home).read();
  const target = vault ?? data.defaultVault ?? undefined;
  const registered = target === undefined ? undefined : findVaultName(data, target);
  const registration = registered === undefined ? undefined : data.vaults[registered];
  if (registration === undefined || !isSecretStoreModule(registration.module)) return undefined;
  const directory = storeDirectory(context.runtime, home, registration.parameters);
  const { readThroughAgent } = await import("./agent.ts");
  return await readThroughAgent(context.runtime, home, directory, name);
}
