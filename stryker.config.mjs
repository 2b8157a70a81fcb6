// Mutation testing of the store's crypto and engine (`npm run mutation`). Scoped on purpose: the
// tests that exercise core/crypto and core/store in this process (stryker.config.vitest.ts), not the
// suites that spawn other runtimes or servers, which would run unmutated copies and take hours.
// Sandboxes and reports go under .tmp/ (git-ignored).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "stryker.config.vitest.ts", related: false },
  mutate: ["core/crypto/**/*.ts", "core/store/**/*.ts"],
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants) would rerun every test each; they are left out.
  ignoreStatic: true,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: ".tmp/mutation/mutation.json" },
  tempDirName: ".tmp/stryker",
  cleanTempDir: "always",
  ignorePatterns: ["bench/out", ".tmp", "*.tgz"],
  concurrency: 2,
  timeoutMS: 30_000,
  thresholds: { high: 90, low: 80, break: null },
};
