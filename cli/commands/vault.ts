/** `secret vault register|unregister|list|default|test|unlock`. */
import { SecretManagementError } from "../../core/errors.ts";
import { isAbsolutePath, joinPath } from "../../core/paths.ts";
import type { CommandContext } from "../context.ts";
import { printJson, printTable } from "../output.ts";
import { isSecretStoreModule } from "../../extensions/secretstore/registration.ts";
import { parseParameters } from "../values.ts";

export async function register(context: CommandContext<"vault register">): Promise<void> {
  const { flags } = context;
  const { name, module } = context.args;
  const sm = await context.open();
  const parameters = parseParameters(flags.param);
  // The library refuses a relative SecretStore path (it would follow the working directory): resolve it here.
  if (isSecretStoreModule(module) && typeof parameters.path === "string" && !isAbsolutePath(parameters.path)) {
    parameters.path = joinPath(context.runtime, context.runtime.cwd(), parameters.path);
  }
  const info = await sm.registerVault(name, module, {
    parameters,
    description: flags.description,
    default: flags.default,
    allowClobber: flags["allow-clobber"],
    requirePersistent: true, // each command is its own process: a memory vault would lose every secret
  });
  context.out(`registered vault ${info.name}${info.isDefault ? " (default)" : ""}\n`);
}

export async function unregister(context: CommandContext<"vault unregister">): Promise<void> {
  const sm = await context.open();
  for (const name of context.args.name) {
    await sm.unregisterVault(name);
    context.out(`unregistered vault ${name}\n`);
  }
}

export async function list(context: CommandContext<"vault list">): Promise<void> {
  const { pattern } = context.args;
  const sm = await context.open();
  const vaults = await sm.getVaults(pattern ?? "*");
  if (context.flags.json) return printJson(context, vaults);
  if (vaults.length === 0) {
    context.note(
      pattern === undefined || pattern === "*"
        ? "no vaults registered; register one with: secret vault register <name> <module> (or let secret set <name> create the local store)"
        : `no vault matches "${pattern}"; list them all with: secret vault list`,
    );
    return;
  }
  printTable(
    context,
    ["NAME", "MODULE", "DEFAULT", "DESCRIPTION"],
    // A vault installed as a package shows the version it was registered with.
    vaults.map((vault) => [
      vault.name,
      vault.version === undefined ? vault.module : `${vault.module}@${vault.version}`,
      vault.isDefault ? "yes" : "",
      vault.description,
    ]),
  );
}

export async function setDefault(context: CommandContext<"vault default">): Promise<void> {
  const { name } = context.args;
  if ((name === undefined) === !context.flags.clear) throw context.usage("give a vault name or --clear");
  const sm = await context.open();
  await sm.setDefaultVault(name ?? null);
}

/**
 * Tests each matching vault; prints ok, or failed with each failed vault and its reason on stderr
 * (a vault whose test just says no gets a line too). Exit 1 when one failed.
 */
export async function test(context: CommandContext<"vault test">): Promise<number> {
  const sm = await context.open();
  const pattern = context.args.pattern ?? "*";
  const vaults = await sm.getVaults(pattern);
  if (vaults.length === 0) {
    throw new SecretManagementError(
      "VAULT_NOT_FOUND",
      pattern === "*"
        ? "no vaults registered; register one with: secret vault register <name> <module>"
        : `no vault matches "${pattern}"; list them with: secret vault list`,
    );
  }
  context.quietVaultErrors = true; // each failure is printed below, once
  let failed = 0;
  for (const vault of vaults) {
    const before = context.vaultFailures.length;
    if (await sm.testVault(vault.name)) continue;
    failed++;
    const reason = context.vaultFailures[before]?.message.replace(`vault "${vault.name}": `, "") ??
      "its test reported a failure (is it reachable, and are its credentials valid?)";
    context.note(`vault "${vault.name}" failed: ${reason}`);
  }
  context.out(failed > 0 ? "failed\n" : "ok\n");
  return failed > 0 ? 1 : 0;
}

export async function unlock(context: CommandContext<"vault unlock">): Promise<void> {
  const sm = await context.open();
  const { name } = context.args;
  const vault = (await sm.getVaults(name))[0];
  if (vault !== undefined && isSecretStoreModule(vault.module)) {
    const { unlockStore } = await import("./store.ts");
    return await unlockStore(context, vault.name);
  }
  await sm.unlockVault(name, await context.passwords.password(name, `Password for vault ${name}: `));
}
