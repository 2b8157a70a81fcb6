/**
 * Child processes: the environment they inherit, and running a command to completion through the
 * Runtime, input on stdin (never on argv), output collected.
 */
import { SecretManagementError } from "./errors.ts";
import type { Runtime, SpawnOptions } from "./runtime.ts";

/**
 * The variables this project reads a password or token from (by default; a vault's `*Env` parameter
 * may name others). No child inherits them — not a `secret run` command, not `lpass` or `az` (which
 * log in with their own stores), not the unlock agent — unless it is given them explicitly
 * (`SpawnOptions.env`, `secret run --env VAR`). Azure's IDENTITY_ENDPOINT/IDENTITY_HEADER stay:
 * `az login --identity` needs them in the `az` child.
 */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  "SECRETSTORE_PASSWORD",
  "VAULT_TOKEN",
  "BAO_TOKEN",
  "VAULT_SECRET_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AZURE_CLIENT_SECRET",
];

/** A child's environment: the parent's without CREDENTIAL_VARIABLES, then `explicit` on top. */
export function childEnvironment(
  inherited: { readonly [name: string]: string | undefined },
  explicit: { readonly [name: string]: string } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !CREDENTIAL_VARIABLES.includes(name)) env[name] = value;
  }
  return Object.assign(env, explicit);
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function collect(stream: ReadableStream<Uint8Array> | undefined): Promise<string> {
  if (!stream) return "";
  return await new Response(stream).text();
}

export async function runCommand(
  runtime: Runtime,
  command: string,
  args: string[],
  options: { stdin?: string | Uint8Array; env?: Record<string, string>; cwd?: string } = {},
): Promise<CommandResult> {
  const spawnOptions: SpawnOptions = { env: options.env, cwd: options.cwd, stdout: "pipe", stderr: "pipe" };
  if (options.stdin !== undefined) {
    spawnOptions.stdin = typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin;
  }
  try {
    const child = runtime.spawn(command, args, spawnOptions);
    const [stdout, stderr, code] = await Promise.all([collect(child.stdout), collect(child.stderr), child.exited]);
    return { code, stdout, stderr };
  } catch (error) {
    if ((error as { code?: string })?.code === "ENOENT") {
      throw new SecretManagementError("VAULT_UNAVAILABLE", `command "${command}" was not found on PATH`, { cause: error });
    }
    throw error;
  }
}
