/**
 * secretmanagement for edge runtimes (Cloudflare workerd, Deno Deploy, Vercel Edge): no file system,
 * so the vault registry lives in memory and only vaults that need nothing but fetch are built in.
 * Bundlers pick this entry through the package's `workerd`, `worker`, `edge-light` and `browser` conditions.
 *
 *   const sm = await SecretManagement.open({ env });   // env: the worker's bindings
 */
import { createWebRuntime } from "./adapters/web.ts";
import { type OpenOptions as CoreOpenOptions, SecretManagement as CoreSecretManagement } from "./core/manager.ts";
import { edgeVaults } from "./extensions/edge.ts";

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
    });
  }
}
