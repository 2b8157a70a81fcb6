/** The extensions shipped with the package, loaded only when a vault uses them. */
import type { BuiltinVaults } from "../core/manager.ts";

export const builtinVaults: BuiltinVaults = {
  memory: () => import("./memory/mod.ts"),
  env: () => import("./env/mod.ts"),
  sealed: () => import("./sealed/mod.ts"),
  "hashicorp-vault": () => import("./hashicorp-vault/mod.ts"),
  "aws-secrets-manager": () => import("./aws-secrets-manager/mod.ts"),
  "azure-keyvault": () => import("./azure-keyvault/mod.ts"),
  secretstore: () => import("./secretstore/mod.ts"),
  lastpass: () => import("./lastpass/mod.ts"),
  keepass: () => import("./keepass/mod.ts"),
  "os-keyring": () => import("./os-keyring/mod.ts"),
};
