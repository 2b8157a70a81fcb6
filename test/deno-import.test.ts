/**
 * A Deno user's script outside the checkout imports its mod.ts by path: with the checkout's
 * deno.json as config (its import map names every bare dependency), it runs; without, Deno cannot
 * resolve the bare imports, which is why the README gives the flag.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";

describe("Deno, importing the checkout from another directory", () => {
  it("runs with --config <checkout>/deno.json and stores and reads a secret", () => {
    const dir = tempHome("deno-outside");
    const script = join(dir, "main.ts");
    writeFileSync(script, `
import { SecretManagement } from "${join(ROOT, "mod.ts")}";
const sm = await SecretManagement.open({ home: Deno.args[0] });
await sm.registerVault("scratch", "memory");
await sm.setSecret("k", new Uint8Array([0, 255]));
console.log(JSON.stringify(Array.from(await sm.getSecret("k") as Uint8Array)));
`);
    const run = (args: string[]) =>
      spawnSync(join(BIN, "deno"), ["run", "--quiet", ...args, script, join(dir, "home")], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    const withConfig = run(["-A", "--config", join(ROOT, "deno.json")]);
    expect(withConfig.stderr).toBe("");
    expect(withConfig.stdout.trim()).toBe("[0,255]");
    const without = run(["-A"]);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain("not a dependency");
  });
});
