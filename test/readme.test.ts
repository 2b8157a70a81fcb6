import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const SETUP = "npm ci && npm run build && ";

describe("README", () => {
  it("includes every docs/readme section as it is (their examples are run by the vault and CLI tests)", () => {
    execFileSync(process.execPath, [join(ROOT, "scripts/readme.mjs"), "--check"]);
    for (const file of readdirSync(join(ROOT, "docs/readme"))) {
      expect(readme).toContain(`<!-- include docs/readme/${file} -->`);
    }
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
});
