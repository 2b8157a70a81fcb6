/**
 * docs/migrating.md: every console session runs as written (one shell, a fresh home), every `secret`
 * command of its tables is one of those commands, and its library program runs on Bun with every
 * call the library column names.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConsoleExamples, runConsoleExamples, runSourceOn } from "./helpers/console-examples.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

const PAGE = join(ROOT, "docs/migrating.md");
const markdown = readFileSync(PAGE, "utf8");

/** The code spans of the tables' rows, with `\|` unescaped. */
function tableSpans(): string[] {
  const rows = markdown.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => [...row.matchAll(/`((?:[^`\\]|\\.)+)`/g)].map((m) => m[1]!.replaceAll("\\|", "|")));
}

describe("docs/migrating.md", () => {
  it("maps all 11 SecretManagement and all 5 SecretStore cmdlets", () => {
    const cmdlets = [
      "Register-SecretVault", "Unregister-SecretVault", "Get-SecretVault", "Set-SecretVaultDefault", "Test-SecretVault",
      "Unlock-SecretVault", "Set-Secret", "Get-Secret", "Get-SecretInfo", "Set-SecretInfo", "Remove-Secret",
      "Get-SecretStoreConfiguration", "Set-SecretStoreConfiguration", "Unlock-SecretStore", "Set-SecretStorePassword",
      "Reset-SecretStore",
    ];
    const spans = tableSpans();
    for (const cmdlet of cmdlets) expect(spans.some((span) => span.startsWith(`${cmdlet} `) || span === cmdlet), cmdlet).toBe(true);
    for (const tool of ["op read", "op run", "op inject", "pass insert", "pass show", "pass generate", "teller run", "dotenvx run"]) {
      expect(spans.some((span) => span.startsWith(tool)), tool).toBe(true);
    }
  });

  it("every secret command in the tables is run in the sessions", () => {
    const commands = parseConsoleExamples(markdown).map((example) => example.command);
    const tableCommands = tableSpans().filter((span) => /(^|[|'] )secret [a-z]/.test(span) || span.startsWith("secret "));
    expect(tableCommands.length).toBeGreaterThan(40);
    for (const span of tableCommands) {
      const command = span.replace(/ -- cmd$/, "");
      expect(commands.some((line) => line.includes(command)), span).toBe(true);
    }
  });

  it("every console session prints what the page says", async () => {
    const { expected, actual } = await runConsoleExamples(PAGE);
    expect(actual).toEqual(expected);
  }, 240_000);

  it("the library program runs, and makes every call of the library column", async () => {
    const source = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n");
    for (const call of tableSpans().flatMap((span) => [...span.matchAll(/\b((?:sm|store)\.[a-zA-Z]+)/g)].map((m) => m[1]!))) {
      expect(source, call).toContain(call);
    }
    const home = join(tempHome("migrating-lib"), "sm");
    const result = await runSourceOn("bun", source.replace('from "secretmanagement"', 'from "@root/mod.ts"'), {
      SECRETMANAGEMENT_HOME: home,
      SECRETSTORE_PASSWORD: "",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      vaults: ["local"],
      password: "pg-pass",
      value: "s3cret",
      info: ["db:", "db-password:staging"],
      config: { authentication: "none", passwordTimeout: 300, interaction: "none" },
    });
  }, 120_000);
});
