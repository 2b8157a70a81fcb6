/** Running the real `secret` binary on each runtime, through pipes or a pseudo-terminal. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BIN, DIST, ROOT, type RuntimeName } from "./runtimes.ts";

export const FILE_VAULT = join(ROOT, "test/helpers/file-vault.mjs");

/** The command line that runs `secret` on a runtime: the sources on Deno and Bun, the build on Node. */
export function secretCommand(runtime: RuntimeName): string[] {
  if (runtime === "deno") return [join(BIN, "deno"), "run", "-A", "--quiet", join(ROOT, "cli/main.ts")];
  if (runtime === "bun") return [join(BIN, "bun"), join(ROOT, "cli/main.ts")];
  return [process.execPath, join(DIST, "cli/main.js")];
}

/** The core errors module a fixture vault must throw from, so codes survive on each runtime. */
export function errorsModule(runtime: RuntimeName): string {
  return runtime === "node" ? join(DIST, "core/errors.js") : join(ROOT, "core/errors.ts");
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  timeout?: number;
}

/** An environment for a test home: the test's own, without an inherited store password, plus `extra`. */
export function homeEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, SECRETSTORE_PASSWORD: undefined, NO_COLOR: "1" };
  Object.assign(env, { SECRETMANAGEMENT_HOME: home }, extra);
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function secret(runtime: RuntimeName, home: string, args: string[], options: CliOptions = {}): CliResult {
  const [command, ...prefix] = secretCommand(runtime);
  const result = spawnSync(command!, [...prefix, ...args], {
    env: homeEnv(home, options.env),
    input: options.input ?? "",
    encoding: "utf8",
    timeout: options.timeout ?? 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

export function secretBytes(runtime: RuntimeName, home: string, args: string[], options: CliOptions = {}) {
  const [command, ...prefix] = secretCommand(runtime);
  const result = spawnSync(command!, [...prefix, ...args], {
    env: homeEnv(home, options.env),
    input: options.input ?? "",
    timeout: options.timeout ?? 30_000,
  });
  return { status: result.status ?? 128, stdout: new Uint8Array(result.stdout), stderr: result.stderr.toString() };
}

export interface PtyStep {
  expect: string;
  send: string;
}

/** Runs `secret` in a pseudo-terminal (test/helpers/terminal-session.py), answering prompts as they appear. */
export function secretInPty(
  runtime: RuntimeName,
  home: string,
  args: string[],
  steps: PtyStep[],
  options: { env?: Record<string, string | undefined>; timeout?: number } = {},
): { status: number; output: string; error: string | null } {
  const spec = {
    argv: [...secretCommand(runtime), ...args],
    env: homeEnv(home, options.env),
    steps,
    timeout: (options.timeout ?? 30_000) / 1000,
  };
  const result = spawnSync("python3", [join(ROOT, "test/helpers/terminal-session.py")], {
    input: JSON.stringify(spec),
    encoding: "utf8",
    timeout: (options.timeout ?? 30_000) + 5_000,
  });
  if (result.status !== 0) throw new Error(`pty helper failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Registers the file-backed fixture vault `name` in `home`. */
export function registerFileVault(runtime: RuntimeName, home: string, name: string, extra: string[] = []): CliResult {
  return secret(runtime, home, [
    "vault",
    "register",
    name,
    FILE_VAULT,
    "--param",
    `path=${join(home, `${name}.json`)}`,
    "--param",
    `core=${errorsModule(runtime)}`,
    ...extra,
  ]);
}
