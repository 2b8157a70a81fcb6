import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { ROOT, runScript } from "./helpers/runtimes.ts";

const expected = JSON.stringify({ db: { username: "app", password: "s3cret" }, type: "credential", owner: "ops" });

describe("examples", () => {
  for (const [runtime, file] of [["deno", "quickstart.ts"], ["bun", "quickstart.ts"], ["node", "quickstart.mjs"]] as const) {
    it(`examples/${file} runs on ${runtime}`, () => {
      const result = runScript(runtime, join(ROOT, "examples", file), [], {
        env: { SECRETMANAGEMENT_HOME: tempHome("example") },
      });
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe(expected);
    });
  }

  it("quickstart runs again in the same home and leaves no registration behind", () => {
    const home = tempHome("example-again");
    for (let run = 0; run < 2; run++) {
      const result = runScript("node", join(ROOT, "examples/quickstart.mjs"), [], { env: { SECRETMANAGEMENT_HOME: home } });
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe(expected);
    }
    expect(existsSync(join(home, "vaults.json"))).toBe(false);
  });

  it("a third-party vault registers by file path (Deno)", () => {
    const result = runScript("deno", join(ROOT, "examples/use-my-vault.ts"), [], {
      env: { SECRETMANAGEMENT_HOME: tempHome("example") },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("t-123");
  });

  it("the README shows the quickstarts verbatim, and docs/library.md every example file", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const library = readFileSync(join(ROOT, "docs/library.md"), "utf8");
    for (const file of ["quickstart.ts", "quickstart.mjs"]) {
      expect(readme).toContain(readFileSync(join(ROOT, "examples", file), "utf8").trim());
    }
    for (const file of ["quickstart.ts", "quickstart.mjs", "my-vault.ts"]) {
      expect(library).toContain(readFileSync(join(ROOT, "examples", file), "utf8").trim());
    }
  });
});
