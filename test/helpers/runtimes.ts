/**
 * Running scenario scripts under each runtime: Deno and Bun run the .ts sources, Node runs the
 * built package (`npm test` builds it first; set SM_DIST to test another build).
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "node_modules", ".bin");
export const DIST = process.env.SM_DIST ?? join(ROOT, "dist");

export type RuntimeName = "node" | "deno" | "bun";
export const RUNTIMES: RuntimeName[] = ["node", "deno", "bun"];

/** The module a script should import on a runtime: the sources, or the built package on Node. */
export function modulePath(runtime: RuntimeName, sourcePath = "mod.ts"): string {
  return runtime === "node" ? join(DIST, sourcePath.replace(/\.ts$/, ".js")) : join(ROOT, sourcePath);
}

/** Command and arguments that run `script` (a .mjs/.ts file) on `runtime`. */
export function runtimeCommand(runtime: RuntimeName, script: string, args: string[] = []): [string, string[]] {
  if (runtime === "deno") return [join(BIN, "deno"), ["run", "-A", "--quiet", script, ...args]];
  if (runtime === "bun") return [join(BIN, "bun"), [script, ...args]];
  return [process.execPath, [script, ...args]];
}

export function runScript(
  runtime: RuntimeName,
  script: string,
  args: string[] = [],
  options: { env?: Record<string, string>; input?: string | Uint8Array; timeout?: number } = {},
) {
  const [command, argv] = runtimeCommand(runtime, script, args);
  return spawnSync(command, argv, {
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: options.timeout ?? 60_000,
  });
}
