/**
 * The vault conformance suite (testing/contract.ts, exported as secretmanagement/testing) bound to
 * vitest, with a home that is removed after the run.
 *
 *   testVaultContract("memory", async () => ({ module: "memory" }));
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type ContractOptions, type ContractSetup, testVaultContract as runContract } from "../../testing/mod.ts";
import { tempHome } from "./home.ts";

export { BYTES_ALL, type ContractOptions, type ContractSetup, UNICODE } from "../../testing/mod.ts";

export function testVaultContract(
  label: string,
  setup: () => Promise<ContractSetup> | ContractSetup,
  options: ContractOptions = {},
): void {
  runContract(label, setup, { home: tempHome("contract"), ...options, test: { describe, it, beforeAll, afterAll } });
}
