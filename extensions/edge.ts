/**
 * What edge runtimes get by name: the two tiny vaults. Every other vault is imported by the worker
 * itself (`import vault from "secretmanagement/vaults/<name>"`) so a bundle holds only the vaults it
 * uses; the vaults that cannot run at the edge at all are refused by name, saying which can.
 */
import type { BuiltinVaults } from "../core/manager.ts";

export const edgeVaults: BuiltinVaults = {
  memory: () => import("./memory/mod.ts"),
  env: () => import("./env/mod.ts"),
};

const needsAMachine =
  "needs a file system, a native addon or a program, which edge runtimes lack; vaults that run at the edge: " +
  "memory, env, hashicorp-vault, aws-secrets-manager, azure-keyvault, sealed";

export const edgeUnavailable: { readonly [name: string]: string } = Object.fromEntries(
  ["secretstore", "keepass", "os-keyring", "lastpass"].map((name) => [name, `the ${name} vault ${needsAMachine}`]),
);
