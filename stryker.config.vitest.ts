/**
 * The tests Stryker runs against each mutant of core/crypto and core/store (stryker.config.mjs): the
 * in-process format, vector, contract, password, sealed-store and fuzz suites, which take seconds, and
 * the suites written to kill mutants (crypto-vectors, store-format-mutation, store-parts, store-log:
 * docs/mutation.md).
 * Left out for time (on 2 shared cores): test/store.test.ts and test/fault-store.test.ts (tens of
 * seconds each, Argon2id per case), test/fuzz-codec.test.ts (its 8 MiB values through a store take
 * seconds and would rerun for every engine mutant; store-format-mutation covers the payload checks)
 * and every suite that spawns other runtimes. test/fuzz-parsers.test.ts is left out as it covers
 * neither folder (references, wildcards, the CLI parser), and its wildcard-work property needs more
 * than the one run it gets at this FUZZ_RUNS. Fuzz properties run
 * fewer cases here (FUZZ_RUNS), since every mutant they cover reruns them.
 */
import { defineConfig } from "vitest/config";

process.env.FUZZ_RUNS ??= "25";

export default defineConfig({
  test: {
    include: [
      "test/store-vectors.test.ts",
      "test/crypto-vectors.test.ts",
      "test/store-format-mutation.test.ts",
      "test/store-parts.test.ts",
      "test/store-log.test.ts",
      "test/store-password.test.ts",
      "test/store-contract.test.ts",
      "test/store-vault.test.ts",
      "test/sealed.test.ts",
      "test/codec-limits.test.ts",
      "test/fuzz-store.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
