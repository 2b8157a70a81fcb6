/**
 * The tests Stryker runs against each mutant of core/crypto and core/store (stryker.config.mjs):
 * the in-process store, format, vector, sealed-store and fuzz suites. Fuzz properties run fewer
 * cases here (FUZZ_RUNS), since every surviving mutant reruns them.
 */
import { defineConfig } from "vitest/config";

process.env.FUZZ_RUNS ??= "300";

export default defineConfig({
  test: {
    include: [
      "test/store-vectors.test.ts",
      "test/store-password.test.ts",
      "test/store-contract.test.ts",
      "test/store-vault.test.ts",
      "test/store.test.ts",
      "test/sealed.test.ts",
      "test/codec-limits.test.ts",
      "test/fuzz-*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
