import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

describe("npm package", () => {
  it("packs, installs into an empty project, and imports with types", () => {
    const out = tempHome("pack");
    execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: ROOT, encoding: "utf8" });
    const tarball = readdirSync(out).find((f) => f.endsWith(".tgz"))!;
    const project = tempHome("consumer");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(out, tarball)], {
      cwd: project,
      encoding: "utf8",
    });
    writeFileSync(
      join(project, "use.mjs"),
      `import { SecretManagement } from "secretmanagement";
const sm = await SecretManagement.open({ home: process.argv[2] });
await sm.registerVault("m", "memory");
await sm.setSecret("k", new Uint8Array([0, 255]));
const value = await sm.getSecret("k");
console.log(value instanceof Uint8Array, [...value].join(","), sm.runtime.name);`,
    );
    const printed = execFileSync(process.execPath, ["use.mjs", tempHome("consumer-home")], {
      cwd: project,
      encoding: "utf8",
    });
    expect(printed.trim()).toBe("true 0,255 node");
    const files = readdirSync(join(project, "node_modules/secretmanagement/dist"));
    expect(files).toContain("mod.d.ts");
    expect(readdirSync(join(project, "node_modules/secretmanagement/dist/core")).some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toBe(false);
  }, 180_000);
});
