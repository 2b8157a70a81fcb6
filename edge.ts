/**
 * secretmanagement for edge runtimes (Cloudflare workerd, Deno Deploy, Vercel Edge): no file system,
 * so the vault registry lives in memory and only vaults that need nothing but fetch are built in.
 * Bundlers pick this entry through the package's `workerd`, `worker`, `edge-light` and `browser` conditions.
 *
 *   import hashicorpVault from "secretmanagement/vaults/hashicorp-vault";
 *   const sm = await SecretManagement.open({ env });   // env: the worker's bindings
 *   await sm.registerVault("team", hashicorpVault, { parameters: { address, kvVersion: 2 } });
 *
 * Vaults are imported, not named (except memory and env), so a bundle holds only what it uses and
 * contains no import() of a computed specifier, which workerd refuses. Make the instance once, at
 * module scope, and reuse it across requests (docs/edge.md): a warm read from Vault/OpenBao is then
 * one HTTP request, and none within `cache: { ttlSeconds }`.
 */
import { createWebRuntime } from "./adapters/web.ts";
import { type OpenOptions as CoreOpenOptions, SecretManagement as CoreSecretManagement } from "./core/manager.ts";
import { edgeUnavailable, edgeVaults } from "./extensions/edge.ts";

export * from "./core/index.ts";
export { createWebRuntime } from "./adapters/web.ts";

export type EdgeOpenOptions = Partial<CoreOpenOptions> & {
  /** String bindings the `env` vault and extensions read as environment variables. */
  env?: Record<string, unknown>;
};

export class SecretManagement extends CoreSecretManagement {
  static override async open(options: EdgeOpenOptions = {}): Promise<SecretManagement> {
    const env = Object.fromEntries(
      Object.entries(options.env ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    return await super.open({
      ...options,
      runtime: options.runtime ?? createWebRuntime(env),
      builtins: { ...edgeVaults, ...options.builtins },
      unavailableBuiltins: edgeUnavailable,
    });
  }
}
