/**
 * What edge runtimes get by name: the two tiny vaults. Every other vault is imported by the worker
 * itself (`import hashicorpVault from "secretmanagement/vaults/hashicorp-vault"`) so a bundle holds
 * only the vaults it uses; the names say so, and name the vaults that cannot run at the edge at all.
 */
import type { BuiltinVaults } from "../core/manager.ts";

export const edgeVaults: BuiltinVaults = {
  memory: () => import("./memory/mod.ts"),
  env: () => import("./env/mod.ts"),
};

/** The vaults that run at the edge, by the subpath a worker imports them from. */
const IMPORTABLE = ["hashicorp-vault", "aws-secrets-manager", "azure-keyvault", "sealed"];
const NEEDS_A_MACHINE = ["secretstore", "keepass", "os-keyring", "lastpass"];

const runHere = `vaults that run at the edge: memory, env, ${IMPORTABLE.join(", ")}`;

export const edgeUnavailable: { readonly [name: string]: string } = Object.fromEntries([
  ...IMPORTABLE.map((name) => [
    name,
    `at the edge, import the vault so the bundle holds it: import vault from "secretmanagement/vaults/${name}"; ` +
    `then registerVault(name, vault, { parameters })`,
  ]),
  ...NEEDS_A_MACHINE.map((name) => [name, `the ${name} vault needs a file system, a native addon or a program, which edge runtimes lack; ${runHere}`]),
]);
