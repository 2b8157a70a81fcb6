/**
 * Running scenario scripts under each runtime: Deno and Bun run the .ts sources, Node runs the
 * built package (`npm test` builds it first; set SM_DIST to test another build).
 */
import { spawn, spawnSync } from "node:child_process";
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

/**
 * Runs a command without blocking this process (tests whose servers answer from this process need
 * that; spawnSync would freeze them) and resolves with its exit code and output.
 */
export function runAsync(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
