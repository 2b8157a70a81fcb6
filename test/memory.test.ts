import { testVaultContract } from "./helpers/contract.ts";

testVaultContract("memory", () => ({ module: "memory" }));
