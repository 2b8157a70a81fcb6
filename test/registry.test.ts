import { spawn } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, RUNTIMES, runtimeCommand, runScript } from "./helpers/runtimes.ts";

const scenario = join(ROOT, "test/scenarios/registry.mjs");

describe("vault registry file", () => {
  it("creates the home 0700 and vaults.json 0600, as versioned JSON", async () => {
    const home = join(tempHome("reg"), "nested", "home");
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("m", "env", { parameters: { prefix: "A" } });
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, "vaults.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(home, "vaults.json"), "utf8"))).toEqual({
      version: 1,
      defaultVault: "m",
      vaults: { m: { module: "env", parameters: { prefix: "A" }, description: "" } },
    });
  });

  it("honours SECRETMANAGEMENT_HOME", async () => {
    const home = tempHome("envhome");
    const saved = process.env.SECRETMANAGEMENT_HOME;
    process.env.SECRETMANAGEMENT_HOME = home;
    try {
      const sm = await SecretManagement.open();
      expect(sm.home).toBe(home);
    } finally {
      if (saved === undefined) delete process.env.SECRETMANAGEMENT_HOME;
      else process.env.SECRETMANAGEMENT_HOME = saved;
    }
  });

  it("uses the platform config dir when no home is given", async () => {
    const saved = { home: process.env.SECRETMANAGEMENT_HOME, xdg: process.env.XDG_CONFIG_HOME };
    delete process.env.SECRETMANAGEMENT_HOME;
    process.env.XDG_CONFIG_HOME = "/some/config";
    try {
      expect((await SecretManagement.open()).home).toBe("/some/config/secretmanagement");
    } finally {
      if (saved.home !== undefined) process.env.SECRETMANAGEMENT_HOME = saved.home;
      if (saved.xdg === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved.xdg;
    }
  });

  for (const [label, content] of [
    ["invalid JSON", "{ not json"],
    ["a wrong shape", '{"version":1,"defaultVault":null,"vaults":[]}'],
    ["an unknown version", '{"version":9,"defaultVault":null,"vaults":{}}'],
    ["a vault without module", '{"version":1,"defaultVault":null,"vaults":{"x":{}}}'],
  ]) {
    it(`reports ${label} as STORE_CORRUPT naming the file, and never overwrites it`, async () => {
      const home = tempHome("corrupt");
      const file = join(home, "vaults.json");
      writeFileSync(file, content!);
      const opening = SecretManagement.open({ home });
      await expect(opening).rejects.toMatchObject({ code: "STORE_CORRUPT" });
      await expect(opening).rejects.toThrow(file);
      expect(readFileSync(file, "utf8")).toBe(content);
    });
  }

  it("refuses to register into a corrupt registry and leaves it as it was", async () => {
    const home = tempHome("corrupt2");
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("m", "env");
    const file = join(home, "vaults.json");
    writeFileSync(file, "garbage");
    await expect(sm.registerVault("n", "env")).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    expect(readFileSync(file, "utf8")).toBe("garbage");
  });

  it("reports an unreadable registry as PERMISSION_DENIED or corrupt, naming the file", async () => {
    const home = tempHome("perm");
    // A directory where the file should be fails for root too, unlike chmod 000.
    const file = join(home, "vaults.json");
    await import("node:fs").then((fs) => fs.mkdirSync(file));
    await expect(SecretManagement.open({ home })).rejects.toThrow(file);
    if (process.getuid?.() !== 0) {
      const other = tempHome("perm2");
      writeFileSync(join(other, "vaults.json"), "{}");
      chmodSync(join(other, "vaults.json"), 0);
      await expect(SecretManagement.open({ home: other })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    }
  });
});

describe("registry across processes and runtimes", () => {
  it("loses no registration when processes on all three runtimes register at once", async () => {
    const home = tempHome("concurrent");
    const perProcess = 5;
    const runs = RUNTIMES.flatMap((runtime) => [1, 2].map((n) => ({ runtime, prefix: `${runtime}${n}` })));
    const results = await Promise.all(runs.map(({ runtime, prefix }) =>
      new Promise<number>((resolve) => {
        const [command, args] = runtimeCommand(runtime, scenario, [
          modulePath(runtime),
          home,
          "register-many",
          prefix,
          String(perProcess),
        ]);
        const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
        child.on("close", (code) => resolve(code ?? -1));
      })
    ));
    expect(results).toEqual(runs.map(() => 0));
    const sm = await SecretManagement.open({ home });
    const names = (await sm.getVaults()).map((v) => v.name);
    expect(names).toHaveLength(runs.length * perProcess);
    for (const { prefix } of runs) {
      for (let i = 0; i < perProcess; i++) expect(names).toContain(`${prefix}-${i}`);
    }
    expect(names.filter((n) => n.endsWith(".lock"))).toEqual([]);
  }, 120_000);

  it("lets Node, Deno and Bun read and change each other's registry", () => {
    const home = tempHome("xrt");
    const step = (runtime: "node" | "deno" | "bun", ...args: string[]) => {
      const result = runScript(runtime, scenario, [modulePath(runtime), home, ...args]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as { runtime: string; before: { name: string; isDefault: boolean; by: string }[] };
    };
    expect(step("node", "register", "from-node").runtime).toBe("node");
    const deno = step("deno", "register", "from-deno");
    expect(deno.runtime).toBe("deno");
    expect(deno.before).toEqual([{ name: "from-node", isDefault: true, by: "node" }]);
    const bun = step("bun", "default", "FROM-DENO");
    expect(bun.runtime).toBe("bun");
    expect(bun.before).toEqual([
      { name: "from-deno", isDefault: false, by: "deno" },
      { name: "from-node", isDefault: true, by: "node" },
    ]);
    step("deno", "unregister", "from-node");
    expect(step("node", "list").before).toEqual([{ name: "from-deno", isDefault: true, by: "deno" }]);
  }, 60_000);
});
