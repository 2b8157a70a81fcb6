/**
 * `secret run`: resolves every secret first (nothing starts if one is missing), then runs the command
 * with them added to its environment — never to its arguments — and passes its exit code through.
 * The command does not inherit the variables passwords and tokens are read from (SECRETSTORE_PASSWORD,
 * VAULT_TOKEN, …: core/process.ts) unless named with `--env VAR`, which passes this process's value on.
 * Like `op run`, a `secret://` value in the inherited environment or an --env-file is resolved (and
 * masked); any other value passes through as written.
 */
import { parse } from "dotenv";
import { CREDENTIAL_VARIABLES } from "../../core/process.ts";
import { isSecretReference } from "../../core/references.ts";
import type { CommandContext, Context } from "../context.ts";
import { Masker } from "../mask.ts";
import { secretText } from "../values.ts";

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `NAME=value` where a command should be. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function splitAssignment(context: Context, text: string, where: string): [string, string] {
  const eq = text.indexOf("=");
  const variable = eq < 0 ? "" : text.slice(0, eq);
  if (!VARIABLE.test(variable)) throw context.usage(`${where}: expected VAR=value with a valid variable name`);
  return [variable, text.slice(eq + 1)];
}

/** `VAR=secret://name#field` unquoted: to dotenv, the `#field` is a comment. */
const UNQUOTED_FIELD = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(secret:\/\/[^\s#'"`]+)#\S/;

/**
 * dotenv reads `VAR=secret://db#password` as `secret://db` (a `#` after an unquoted value starts a
 * comment), and so does `secret run`; the user is told to quote the reference rather than left to
 * wonder why the whole secret arrived.
 */
function warnAboutCutReferences(context: Context, file: string, text: string, parsed: Record<string, string>): void {
  for (const line of text.split(/\r?\n/)) {
    const [, variable, reference] = UNQUOTED_FIELD.exec(line) ?? [];
    if (variable !== undefined && parsed[variable] === reference) {
      context.warn(`${file}: in .env syntax the #... after ${variable}=${reference} is a comment; quote the reference to pick a field: ${variable}="${reference}#field"`);
    }
  }
}

export async function run(context: CommandContext<"run">): Promise<number> {
  const [command, ...args] = context.args.command;
  if (ASSIGNMENT.test(command)) {
    // `secret run TOKEN=api-token -- cmd`: shell syntax for a variable, which would run as a program.
    // What was typed is a secret's name (already on this command line), so the fix can be shown whole.
    const [variable] = command.split("=", 1);
    throw context.usage(`"${command}" is not a command: to set ${variable} from a secret, write --env ${command} before --`);
  }
  // Later sources win: the inherited environment, then --env-file files in order, then --env.
  const assignments = new Map<string, { source: string; secret: boolean }>();
  for (const [variable, value] of Object.entries(context.runtime.envObject())) {
    // As `op run` does: a reference the user put in the environment is resolved; nothing else is.
    if (isSecretReference(value) && !CREDENTIAL_VARIABLES.includes(variable)) {
      assignments.set(variable, { source: value, secret: true });
    }
  }
  const fs = context.runtime.fs!;
  for (const file of context.flags["env-file"]) {
    const bytes = fs.readFile(file);
    if (bytes === undefined) throw context.usage(`--env-file ${file}: no such file`);
    // Read as the `dotenv` package reads it (its own parser): comments, quotes, `export`, multi-line values.
    const text = new TextDecoder().decode(bytes);
    const parsed = parse(text);
    for (const [variable, value] of Object.entries(parsed)) {
      assignments.set(variable, { source: value, secret: isSecretReference(value) });
    }
    warnAboutCutReferences(context, file, text, parsed);
  }
  const inherited: Record<string, string> = {};
  for (const pair of context.flags.env) {
    if (VARIABLE.test(pair)) {
      const value = context.runtime.env(pair);
      if (value === undefined) throw context.usage(`--env ${pair}: it is not set here, so there is nothing to pass on`);
      if (isSecretReference(value)) {
        assignments.set(pair, { source: value, secret: true });
      } else {
        assignments.delete(pair); // --env comes last, so it wins over an --env-file line
        inherited[pair] = value;
      }
      continue;
    }
    const [variable, source] = splitAssignment(context, pair, "--env");
    if (source === "") throw context.usage(`--env ${variable}=: give a secret name or reference`);
    assignments.set(variable, { source, secret: true });
  }

  const sm = await context.open();
  const env: Record<string, string> = { ...inherited };
  const secrets = Object.entries(inherited).filter(([variable]) => CREDENTIAL_VARIABLES.includes(variable)).map(([, value]) => value);
  for (const [variable, { source, secret }] of assignments) {
    if (!secret) {
      env[variable] = source;
      continue;
    }
    const value = isSecretReference(source) ? await sm.resolveReference(source) : await sm.getSecret(source);
    const text = secretText(value, source);
    env[variable] = text;
    secrets.push(text);
  }

  const mask = context.flags["no-mask"] ? false : context.flags.mask ? true : !context.host.stdoutIsTerminal();
  const child = context.runtime.spawn(command!, args, {
    env,
    stdin: "inherit",
    stdout: mask ? "pipe" : "inherit",
    stderr: mask ? "pipe" : "inherit",
  });
  const stopForwarding = context.host.onSignals(["SIGINT", "SIGTERM", "SIGHUP"], (signal) => child.kill(signal));
  try {
    const pumps = mask
      ? [
        pump(child.stdout, new Masker(secrets), (text) => context.host.writeStdout(text)),
        pump(child.stderr, new Masker(secrets), (text) => context.host.writeStderr(text)),
      ]
      : [];
    const [code] = await Promise.all([child.exited, ...pumps]);
    return code;
  } finally {
    stopForwarding();
  }
}

async function pump(
  stream: ReadableStream<Uint8Array> | undefined,
  masker: Masker,
  write: (text: string) => void,
): Promise<void> {
  if (!stream) return;
  const decoder = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    const text = masker.push(decoder.decode(chunk, { stream: true }));
    if (text) write(text);
  }
  const rest = masker.push(decoder.decode()) + masker.flush();
  if (rest) write(rest);
}
