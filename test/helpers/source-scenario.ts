/** Runs a snippet against the TypeScript sources on Deno or Bun, in a fresh process. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempHome } from "./home.ts";
import { BIN, ROOT } from "./runtimes.ts";

/**
 * Runs `body` after `const sm = await SecretManagement.open(...)` (a fresh home) on `runtime`;
 * `runtimeArgs` go before the script (e.g. Deno's `--import-map`).
 */
export function runSourceScenario(
  runtime: "deno" | "bun",
  body: string,
  env: Record<string, string> = {},
  runtimeArgs: string[] = [],
) {
  const dir = tempHome(`scenario-${runtime}`);
  const script = join(dir, "scenario.ts");
  writeFileSync(script, `
    import { SecretManagement } from ${JSON.stringify(join(ROOT, "mod.ts"))};
    const sm = await SecretManagement.open({ home: ${JSON.stringify(dir)} });
    ${body}
  `);
  // Deno finds the project's config (and so node_modules) only from a script inside it; point it there.
  const [command, args] = runtime === "deno"
    ? [join(BIN, "deno"), ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), ...runtimeArgs, script]]
    : [join(BIN, "bun"), [...runtimeArgs, script]];
  return spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
}
