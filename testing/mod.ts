/**
 * secretmanagement/testing: the conformance suite every built-in vault passes, for authors of
 * vault extensions. See docs/writing-a-vault.md.
 */
export { assertEqual, assertRejectsWithCode, ContractFailure } from "./assert.ts";
export { BYTES_ALL, type ContractOptions, type ContractSetup, type TestFunctions, testVaultContract, UNICODE } from "./contract.ts";
