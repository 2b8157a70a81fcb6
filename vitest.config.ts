import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers and several runtimes per suite: keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
  },
});
