/**
 * The README: short, opening with the two commands that work on a fresh machine, its CLI screen run
 * as written, and every relative link pointing at a page that exists.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runConsoleExamples } from "./helpers/console-examples.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const SETUP = "npm ci && npm run build && ";

describe("README", () => {
  it("is short, and every relative link in it and in docs/ points at a file (checked by npm run readme)", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    const check = spawnSync(process.execPath, [join(ROOT, "scripts/readme.mjs")], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("opens with the main job, which stores and reads a secret through the default local vault", () => {
    const [first, second] = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    expect(first!.startsWith(SETUP)).toBe(true);
    expect(second).toMatch(/^bash \.ci\/run\b/);
    const home = tempHome("readme");
    // The set-up part (npm ci, build) is what `npm test` has already done; run the rest as written.
    const result = spawnSync("bash", ["-c", first!.slice(SETUP.length)], {
      cwd: ROOT,
      env: { ...process.env, SECRETMANAGEMENT_HOME: home },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("hunter2");
    expect(result.status).toBe(0);
    const registry = JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"));
    expect(registry.defaultVault).toBe("local");
    expect(registry.vaults.local.module).toBe("secretstore");
    expect(readFileSync(join(home, "vaults.json"), "utf8")).not.toContain("hunter2");
  }, 120_000);

  it("the CLI screen prints what it says", async () => {
    const { expected, actual } = await runConsoleExamples(join(ROOT, "README.md"));
    expect(expected.length).toBeGreaterThan(15);
    expect(actual).toEqual(expected);
  }, 120_000);
});
