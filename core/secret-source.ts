/**
 * Where a vault's own secret comes from (a token, a client secret, an AppRole id): vault parameters
 * never hold the secret, only where to find it — an environment variable, a file, or a `secret://`
 * reference to another vault. Every vault that needs one reads it here, so the rules are the same
 * everywhere: an unset or empty variable is passed over, a named file or reference must deliver, and
 * errors name the variable, file or reference, never the value.
 */
import { SecretManagementError } from "./errors.ts";
import type { VaultContext } from "./extension.ts";

export type SecretSource =
  /** An environment variable; passed over when unset or empty. */
  | { env: string }
  /** A file holding the secret (surrounding whitespace is trimmed); `parameter` names it in messages. */
  | { file: string; parameter?: string }
  /** A `secret://vault/name#field` reference resolved through the other vaults; must be a string. */
  | { reference: string };

export interface FoundSecret {
  value: string;
  /** Where it came from, for messages: `VAULT_TOKEN`, `tokenFile /run/token`, `secret://ci/token`. */
  from: string;
}

export function describeSource(source: SecretSource): string {
  if ("env" in source) return source.env;
  if ("file" in source) return `${source.parameter ?? "file"} ${source.file}`;
  return source.reference;
}

/**
 * The text of a file, or `undefined` when there is no such file. UNSUPPORTED where the runtime has no
 * file system (the edge), naming `what` the file was for.
 */
export function readSourceFile(context: VaultContext, path: string, what: string): string | undefined {
  const fs = context.runtime.fs;
  if (!fs) {
    throw new SecretManagementError("UNSUPPORTED", `cannot read the ${what} file: this runtime has no file system`);
  }
  const bytes = fs.readFile(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

async function readOne(context: VaultContext, what: string, source: SecretSource): Promise<string | undefined> {
  if ("env" in source) return context.runtime.env(source.env) || undefined;
  if ("file" in source) {
    const text = readSourceFile(context, source.file, what)?.trim() ?? "";
    if (text === "") throw new SecretManagementError("INVALID_ARGUMENT", `the ${what} file ${source.file} is missing or empty`);
    return text;
  }
  const value = await context.resolveReference(source.reference);
  if (typeof value !== "string") {
    throw new SecretManagementError("INVALID_ARGUMENT", `the ${what} at ${source.reference} must be a string secret`);
  }
  return value;
}

/** The secret from the first of `sources` that is set; `undefined` when none is (the caller may prompt). */
export async function findSecret(
  context: VaultContext,
  what: string,
  sources: readonly SecretSource[],
): Promise<FoundSecret | undefined> {
  for (const source of sources) {
    const value = await readOne(context, what, source);
    if (value !== undefined) return { value, from: describeSource(source) };
  }
  return undefined;
}

/**
 * The secret from the first of `sources` that is set; PASSWORD_REQUIRED naming every variable to
 * set, and `parameters` (the vault parameters that could point elsewhere), when none is.
 */
export async function readSecret(
  context: VaultContext,
  what: string,
  sources: readonly SecretSource[],
  parameters: readonly string[] = [],
): Promise<FoundSecret> {
  const found = await findSecret(context, what, sources);
  if (found) return found;
  const variables = sources.flatMap((source) => ("env" in source ? [source.env] : []));
  const places = [
    ...(variables.length > 0 ? [`set ${variables.join(" or ")}`] : []),
    ...(parameters.length > 0 ? [`the ${parameters.join(" or ")} parameter`] : []),
  ];
  throw new SecretManagementError("PASSWORD_REQUIRED", `no ${what}: ${places.join(", or ")}`);
}
