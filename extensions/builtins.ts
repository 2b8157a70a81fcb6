/** The extensions shipped with the package, loaded only when a vault uses them. */
import type { BuiltinVaults } from "../core/manager.ts";

export const builtinVaults: BuiltinVaults = {
  memory: () => import("./memory/mod.ts"),
  env: () => import("./env/mod.ts"),
  secretstore: () => import("./secretstore/mod.ts"),
  "aws-secrets-manager": () => import("./aws-secrets-manager/mod.ts"),
  "hashicorp-vault": () => import("./hashicorp-vault/mod.ts"),
  "azure-keyvault": () => import("./azure-keyvault/mod.ts"),
  lastpass: () => import("./lastpass/mod.ts"),
  keepass: () => import("./keepass/mod.ts"),
  "os-keyring": () => import("./os-keyring/mod.ts"),
};

/** The built-in extensions that need nothing but fetch, for edge runtimes. */
export const edgeVaults: BuiltinVaults = {
  memory: builtinVaults.memory!,
  env: builtinVaults.env!,
  "aws-secrets-manager": builtinVaults["aws-secrets-manager"]!,
  "azure-keyvault": builtinVaults["azure-keyvault"]!,
  "hashicorp-vault": builtinVaults["hashicorp-vault"]!,
};
