/**
 * Paths in the registry: an extension registered by a relative path is kept as an absolute file:
 * URL (a relative one would import whatever file has that name in the directory a later command
 * runs in), a relative entry left by an older version is refused, and a relative
 * SECRETMANAGEMENT_HOME is made absolute when the process starts.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { homeEnv, secretCommand } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const STRINGS_ONLY = join(ROOT, "test/fixtures/extensions/strings-only.mjs");

/** `secret` on Node, run in `cwd`. */
function secretIn(cwd: string, home: string, args: string[]) {
  const [command, ...prefix] = secretCommand("node");
  const result = spawnSync(command!, [...prefix, ...args], { cwd, env: homeEnv(home), encoding: "utf8", input: "" });
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

/** A directory holding `name`: a module that, when imported, leaves a marker file next to itself. */
function plantedModule(name: string): { dir: string; marker: string } {
  const dir = tempHome("planted");
  const marker = join(dir, "imported");
  writeFileSync(join(dir, name), `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\n`);
  return { dir, marker };
}

describe("extension paths in the registry", () => {
  it("registers ./my-vault.mjs as an absolute file: URL and never loads a same-named file elsewhere", () => {
    const home = tempHome("paths");
    const project = tempHome("project");
    copyFileSync(STRINGS_ONLY, join(project, "my-vault.mjs"));
    expect(secretIn(project, home, ["vault", "register", "mine", "./my-vault.mjs"]).status).toBe(0);
    const registry = JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"));
    expect(registry.vaults.mine.module).toBe(`file://${project}/my-vault.mjs`);

    const planted = plantedModule("my-vault.mjs");
    const info = secretIn(planted.dir, home, ["info"]);
    expect(info.stderr).toMatch(/^secret: no secrets; store one with: /);
    expect(info.status).toBe(0);
    expect(existsSync(planted.marker)).toBe(false);
  });

  it("resolves ../ and nested relative paths at registration (library)", async () => {
    const sm = await SecretManagement.open({ home: tempHome("paths-lib") });
    await sm.registerVault("rel", "./test/../test/fixtures/extensions/strings-only.mjs");
    expect((await sm.getVaults("rel"))[0]!.module).toBe(`file://${STRINGS_ONLY}`);
  });

  it("refuses a registry entry with a relative path, naming the fix, without importing it", () => {
    const home = tempHome("paths-old");
    const planted = plantedModule("my-vault.mjs");
    writeFileSync(
      join(home, "vaults.json"),
      JSON.stringify({ version: 1, defaultVault: "mine", vaults: { mine: { module: "./my-vault.mjs", parameters: {}, description: "" } } }),
      { mode: 0o600 },
    );
    const get = secretIn(planted.dir, home, ["get", "x", "--vault", "mine"]);
    expect(get.status).toBe(1);
    expect(get.stderr).toContain('relative path "./my-vault.mjs"');
    expect(get.stderr).toContain("secret vault register mine");
    expect(get.stderr).toContain("--allow-clobber");
    const info = secretIn(planted.dir, home, ["info"]);
    expect(info.status).not.toBe(0);
    expect(existsSync(planted.marker)).toBe(false);
    // The fix the message names works, and the entry can also simply be removed.
    expect(secretIn(planted.dir, home, ["vault", "register", "mine", STRINGS_ONLY, "--allow-clobber"]).status).toBe(0);
    expect(secretIn(planted.dir, home, ["info"]).status).toBe(0);
    expect(existsSync(planted.marker)).toBe(false);
  });
});

describe("a relative SECRETMANAGEMENT_HOME", () => {
  it("is made absolute against the working directory when the process starts", async () => {
    const saved = process.env.SECRETMANAGEMENT_HOME;
    process.env.SECRETMANAGEMENT_HOME = ".sm";
    try {
      const sm = await SecretManagement.open();
      expect(sm.home).toBe(join(process.cwd(), ".sm"));
    } finally {
      if (saved === undefined) delete process.env.SECRETMANAGEMENT_HOME;
      else process.env.SECRETMANAGEMENT_HOME = saved;
    }
  });
});
