/**
 * secretmanagement: one API over many secret vaults, for Node, Deno and Bun.
 *
 *   import { SecretManagement } from "secretmanagement";
 *   const sm = await SecretManagement.open();
 *   await sm.setSecret("db", "s3cret");
 */
import { detectRuntime } from "./adapters/detect.ts";
import { createModuleLoader } from "./adapters/modules.ts";
import { resolveHome } from "./core/paths.ts";
import { VaultRegistry } from "./core/registry-file.ts";
import { type OpenOptions as CoreOpenOptions, SecretManagement as CoreSecretManagement } from "./core/manager.ts";
import { builtinVaults } from "./extensions/builtins.ts";

export * from "./core/index.ts";
export { detectRuntime } from "./adapters/detect.ts";
export { createWebRuntime } from "./adapters/web.ts";
export { builtinVaults } from "./extensions/builtins.ts";
export { type KdfParams, SecretStore, type SecretStoreOptions, type StoreConfig } from "./core/store/secret-store.ts";
export { isSecretStoreModule, secretStoreOf, type SecretStoreVault } from "./extensions/secretstore/mod.ts";

export type OpenOptions = Partial<CoreOpenOptions>;

/** The manager with the runtime detected and the built-in extensions available. */
export class SecretManagement extends CoreSecretManagement {
  static override async open(options: OpenOptions = {}): Promise<SecretManagement> {
    const runtime = options.runtime ?? (await detectRuntime());
    return await super.open({
      ...options,
      runtime,
      home: resolveHome(runtime, options.home),
      builtins: { ...builtinVaults, ...options.builtins },
      modules: options.modules ?? createModuleLoader(runtime),
      createRegistry: options.createRegistry ?? ((runtime, home) => new VaultRegistry(runtime, home)),
    });
  }
}
