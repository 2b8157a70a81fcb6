/** The extensions shipped with the package, loaded only when a vault uses them. */
import type { BuiltinVaults } from "../core/manager.ts";
import { edgeVaults } from "./edge.ts";

export const builtinVaults: BuiltinVaults = {
  ...edgeVaults,
  secretstore: () => import("./secretstore/mod.ts"),
  lastpass: () => import("./lastpass/mod.ts"),
  keepass: () => import("./keepass/mod.ts"),
  "os-keyring": () => import("./os-keyring/mod.ts"),
};
