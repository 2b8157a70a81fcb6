/**
 * `secret run`: resolves every secret first (nothing starts if one is missing), then runs the command
 * with them added to its environment — never to its arguments — and passes its exit code through.
 * The command does not inherit the variables passwords and tokens are read from (SECRETSTORE_PASSWORD,
 * VAULT_TOKEN, …: core/process.ts) unless named with `--env VAR`, which passes this process's value on.
 */
import { CREDENTIAL_VARIABLES } from "../../core/process.ts";
import { isSecretReference } from "../../core/references.ts";
import type { Context } from "../context.ts";
import { Masker } from "../mask.ts";
import { prepareStores } from "../stores.ts";
import { secretText } from "../values.ts";

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function splitAssignment(context: Context, text: string, where: string): [string, string] {
  const eq = text.indexOf("=");
  const variable = eq < 0 ? "" : text.slice(0, eq);
  if (!VARIABLE.test(variable)) throw context.usage(`${where}: expected VAR=value with a valid variable name`);
  return [variable, text.slice(eq + 1)];
}

/** `VAR=value` lines; `#` comments, blank lines and an `export ` prefix are allowed, quotes are removed. */
function parseEnvFile(context: Context, text: string, file: string): [string, string][] {
  const entries: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const [variable, raw] = splitAssignment(context, trimmed.replace(/^export\s+/, ""), `${file}:${i + 1}`);
    const value = raw.trim();
    const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!);
    entries.push([variable, quoted ? value.slice(1, -1) : value]);
  });
  return entries;
}

export async function run(context: Context): Promise<number> {
  const [command, ...args] = context.args("command");
  const assignments: { variable: string; source: string; secret: boolean }[] = [];
  const fs = context.runtime.fs!;
  for (const file of context.flagList("env-file")) {
    const bytes = fs.readFile(file);
    if (bytes === undefined) throw context.usage(`--env-file ${file}: no such file`);
    for (const [variable, value] of parseEnvFile(context, new TextDecoder().decode(bytes), file)) {
      assignments.push({ variable, source: value, secret: isSecretReference(value) });
    }
  }
  const inherited: Record<string, string> = {};
  for (const pair of context.flagList("env")) {
    if (VARIABLE.test(pair)) {
      const value = context.runtime.env(pair);
      if (value === undefined) throw context.usage(`--env ${pair}: it is not set here, so there is nothing to pass on`);
      inherited[pair] = value;
      continue;
    }
    const [variable, source] = splitAssignment(context, pair, "--env");
    if (source === "") throw context.usage(`--env ${variable}=: give a secret name or reference`);
    assignments.push({ variable, source, secret: true });
  }

  const sm = await context.open();
  await prepareStores(context, sm);
  const env: Record<string, string> = { ...inherited };
  const secrets = Object.entries(inherited).filter(([variable]) => CREDENTIAL_VARIABLES.includes(variable)).map(([, value]) => value);
  for (const { variable, source, secret } of assignments) {
    if (!secret) {
      env[variable] = source;
      continue;
    }
    const value = isSecretReference(source) ? await sm.resolveReference(source) : await sm.getSecret(source);
    const text = secretText(value, source);
    env[variable] = text;
    secrets.push(text);
  }

  const mask = context.has("no-mask") ? false : context.has("mask") ? true : !context.runtime.stdoutIsTerminal();
  const child = context.runtime.spawn(command!, args, {
    env,
    stdin: "inherit",
    stdout: mask ? "pipe" : "inherit",
    stderr: mask ? "pipe" : "inherit",
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) => {
    const handler = forward(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const pumps = mask
      ? [
        pump(child.stdout, new Masker(secrets), (text) => context.runtime.writeStdout(text)),
        pump(child.stderr, new Masker(secrets), (text) => context.runtime.writeStderr(text)),
      ]
      : [];
    const [code] = await Promise.all([child.exited, ...pumps]);
    return code;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
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
