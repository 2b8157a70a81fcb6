/** `npx secret` from the packed npm package in an empty project: the bin is linked and runs. */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { homeEnv } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

describe("npx secret", () => {
  it("runs from an installed package", () => {
    const out = tempHome("cli-pack");
    // --ignore-scripts: pack the dist/ that `npm test` built, without rebuilding it under other tests.
    execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], { cwd: ROOT });
    const tarball = readdirSync(out).find((file) => file.endsWith(".tgz"))!;
    const project = tempHome("cli-consumer");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", join(out, tarball)], {
      cwd: project,
    });
    const home = tempHome("cli-consumer-home");
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync("npx", ["--no-install", "secret", ...args], { cwd: project, env: homeEnv(home, env), encoding: "utf8" });
    expect(run(["--version"]).stdout).toMatch(/^secret \d+\.\d+\.\d+\n$/);
    expect(run(["vault", "register", "ci", "env", "--param", "prefix=CI"]).status).toBe(0);
    expect(run(["get", "token"], { CI_TOKEN: "t-1" })).toMatchObject({ status: 0, stdout: "t-1" });
    expect(run(["get", "missing"]).status).toBe(3);
  }, 180_000);
});
