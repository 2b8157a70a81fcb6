/**
 * Runs the examples of docs/cli.md: every ```console block, top to bottom, in one bash session
 * with `secret` on PATH (Bun) and a fresh home. After a `$ command` line come its exact output lines
 * (stdout and stderr together) and optionally `# exit N`.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runConsoleExamples } from "./helpers/console-examples.ts";
import { ROOT } from "./helpers/runtimes.ts";

describe("docs/cli.md", () => {
  it("every console example prints what the page says", async () => {
    const { expected, actual } = await runConsoleExamples(join(ROOT, "docs/cli.md"));
    expect(expected.length).toBeGreaterThan(30);
    expect(actual).toEqual(expected);
  }, 180_000);
});
