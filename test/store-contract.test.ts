/** The vault conformance suite on the secretstore vault, with a password and without one. */
import { testVaultContract } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";

const CHEAP_KDF = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };

testVaultContract("secretstore (password from SECRETSTORE_PASSWORD)", () => ({
  module: "secretstore",
  parameters: { path: `${tempHome("store-contract")}/store`, kdf: CHEAP_KDF },
  env: { SECRETSTORE_PASSWORD: "contract password ✓" },
}));

testVaultContract("secretstore (password given to unlockVault)", () => ({
  module: "secretstore",
  parameters: { path: `${tempHome("store-contract")}/store`, kdf: CHEAP_KDF },
  password: "unlock password",
}));

testVaultContract("secretstore (authentication none)", () => ({
  module: "secretstore",
  parameters: { path: `${tempHome("store-contract")}/store`, authentication: "none" },
}));
