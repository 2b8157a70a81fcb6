/** `secret store config|unlock|lock|password|reset` and `secret vault unlock` of a SecretStore. */
import { SecretManagementError } from "../../core/errors.ts";
import type { SecretManagement } from "../../core/manager.ts";
import type { StoreConfig } from "../../core/store/secret-store.ts";
import type { CommandContext, Context } from "../context.ts";
import { printJson, progress } from "../output.ts";
import { hasStoreVault, registerLocalStore, requireStore, shareWithAgent, storeVaultName } from "../stores.ts";

/** Where there is no SecretStore yet: what `store config` and first use say instead. */
const NO_STORE = "there is no SecretStore yet: create one with secret store config --authentication none --interaction none " +
  "(no password, as for CI) or --authentication password, or by storing a secret: secret set <name>";

export async function config(context: CommandContext<"store config">): Promise<void> {
  const sm = await context.open();
  const changes = await configChanges(context);
  const vault = await existingStoreVault(context, sm);
  if (vault === undefined) {
    // As Set-SecretStoreConfiguration does on a fresh machine: configuring creates the store.
    if (Object.keys(changes).length === 0) throw new SecretManagementError("VAULT_NOT_FOUND", NO_STORE);
    return await registerLocalStore(sm, changes);
  }
  const storeVault = await requireStore(sm, vault);
  const { store } = storeVault;
  if (!store.exists()) {
    if (Object.keys(changes).length === 0) throw new SecretManagementError("VAULT_NOT_FOUND", NO_STORE, { vault });
    return await storeVault.create(changes);
  }
  if (Object.keys(changes).length === 0) {
    if (context.flags.json) return printJson(context, store.config);
    const current = store.config;
    context.out(
      `authentication  ${current.authentication}\npasswordTimeout ${current.passwordTimeout}\ninteraction     ${current.interaction}\n`,
    );
    return;
  }
  if (changes.authentication === "password" && store.config.authentication === "none") {
    await store.setConfig(changes, { password: await context.passwords.newPassword(vault) });
    return;
  }
  if (store.isLocked()) await context.passwords.unlockFromAgent(storeVault);
  const password = store.isLocked() ? await context.passwords.password(vault, `Password for vault ${vault}: `) : undefined;
  await store.setConfig(changes, { password });
}

/** The SecretStore vault `store config` acts on; undefined on a home with none (and no --vault). */
async function existingStoreVault(context: CommandContext<"store config">, sm: SecretManagement): Promise<string | undefined> {
  return !(await hasStoreVault(sm)) && context.flags.vault === undefined ? undefined : await storeVaultName(context, sm);
}

async function configChanges(context: CommandContext<"store config">): Promise<Partial<StoreConfig>> {
  const changes: Partial<StoreConfig> = {};
  const { authentication, interaction, timeout } = context.flags;
  if (authentication !== undefined) changes.authentication = authentication;
  if (interaction !== undefined) changes.interaction = interaction;
  if (timeout !== undefined) {
    const { MAX_PASSWORD_TIMEOUT } = await import("../../core/store/secret-store.ts");
    if (!/^-?\d+$/.test(timeout) || Number(timeout) < -1 || Number(timeout) > MAX_PASSWORD_TIMEOUT) {
      throw context.usage(
        `--timeout must be a whole number of seconds up to ${MAX_PASSWORD_TIMEOUT} (about 24 days), 0 (single use) or -1 (until locked)`,
      );
    }
    changes.passwordTimeout = Number(timeout);
  }
  return changes;
}

/** Unlocks with a password and hands the key to the unlock agent; fails when the agent does not take it. */
export async function unlockStore(context: Context, vault: string): Promise<void> {
  const sm = await context.open();
  const storeVault = await requireStore(sm, vault);
  if (storeVault.store.config.authentication === "none") {
    context.warn(`vault "${vault}" has no password; nothing to unlock`);
    return;
  }
  await storeVault.store.unlock(await context.passwords.password(vault, `Password for vault ${vault}: `));
  await shareWithAgent(context, sm, storeVault, { required: true });
}

export async function unlock(context: CommandContext<"store unlock">): Promise<void> {
  const sm = await context.open();
  await unlockStore(context, await storeVaultName(context, sm));
}

export async function lock(context: CommandContext<"store lock">): Promise<void> {
  const sm = await context.open();
  const { store } = await requireStore(sm, await storeVaultName(context, sm));
  const { stopAgent } = await import("../agent.ts");
  await stopAgent(context.runtime, sm.home);
  store.lock();
}

export async function password(context: CommandContext<"store password">): Promise<void> {
  const sm = await context.open();
  const vault = await storeVaultName(context, sm);
  const { store } = await requireStore(sm, vault);
  if (store.config.authentication === "none") {
    throw new SecretManagementError(
      "UNSUPPORTED",
      `vault "${vault}" has no password: set one with secret store config --authentication password`,
      { vault },
    );
  }
  const current = await context.passwords.password(vault, `Current password for vault ${vault}: `, 0);
  const next = await context.passwords.newPassword(vault, 1, false);
  // The agent holds the key the old password opened: it goes first, whatever happens next.
  const { stopAgent } = await import("../agent.ts");
  await stopAgent(context.runtime, sm.home);
  // Re-encrypting a large store takes a while: show how far it got (on a terminal only).
  let bar: ReturnType<typeof progress> | undefined;
  try {
    await store.changePassword(current, next, {
      rotateKey: context.flags["rotate-key"],
      onProgress: (done, total) => (bar ??= progress(context, total)).tick(done),
    });
  } finally {
    bar?.end();
  }
}

export async function reset(context: CommandContext<"store reset">): Promise<void> {
  const sm = await context.open();
  const vault = await storeVaultName(context, sm);
  const { store } = await requireStore(sm, vault);
  if (!context.flags.force) {
    if (!context.runtime.stdinIsTerminal()) {
      throw context.usage("reset deletes every secret: confirm with --force when stdin is not a terminal");
    }
    if (!(await context.host.confirm(`Delete every secret in vault ${vault} and start an empty store?`))) {
      throw new SecretManagementError("INVALID_ARGUMENT", "reset cancelled");
    }
  }
  const noPassword = context.flags["no-password"];
  const newPassword = noPassword ? undefined : await context.passwords.newPassword(vault);
  const { stopAgent } = await import("../agent.ts");
  await stopAgent(context.runtime, sm.home); // the old key is worthless now
  await store.reset({
    force: true,
    password: newPassword,
    config: noPassword ? { authentication: "none" } : { authentication: "password" },
  });
}
