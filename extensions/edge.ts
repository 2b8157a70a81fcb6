/**
 * The built-in extensions that need nothing but fetch, for edge runtimes. Kept apart from
 * builtins.ts so a bundle of edge.ts never reaches the file-system and native-addon vaults.
 */
import type { BuiltinVaults } from "../core/manager.ts";

export const edgeVaults: BuiltinVaults = {
  memory: () => import("./memory/mod.ts"),
  env: () => import("./env/mod.ts"),
  "aws-secrets-manager": () => import("./aws-secrets-manager/mod.ts"),
  "azure-keyvault": () => import("./azure-keyvault/mod.ts"),
  "hashicorp-vault": () => import("./hashicorp-vault/mod.ts"),
  sealed: () => import("./sealed/mod.ts"),
};
