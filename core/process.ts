/** Runs a command to completion through the Runtime, input on stdin (never on argv), output collected. */
import { SecretManagementError } from "./errors.ts";
import type { Runtime, SpawnOptions } from "./runtime.ts";

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
