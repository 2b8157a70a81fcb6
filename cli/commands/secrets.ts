/** `secret set|get|info|meta|remove|copy`. */
import { bytesToBase64 } from "../../core/base64.ts";
import { secretToJson } from "../../core/envelope.ts";
import { SecretManagementError } from "../../core/errors.ts";
import { isSecretReference, parseSecretReference, selectField } from "../../core/references.ts";
import { type Metadata, type SecretType, type SecretValue, validateMetadata, validateSecretValue } from "../../core/types.ts";
import type { CommandContext, Context } from "../context.ts";
import { printJson, printTable, progress } from "../output.ts";
import { readFromAgent, registerLocalStore } from "../stores.ts";
import { buildSecretValue, parseMetadata, type RawValue } from "../values.ts";

async function readValue(context: CommandContext<"set">, type: SecretType): Promise<RawValue> {
  const { flags } = context;
  const argument = context.args.value;
  if (flags.generate) {
    if (argument !== undefined || flags.stdin) throw context.usage("--generate makes the value: give no value and no --stdin");
    if (type !== "string" && type !== "credential") throw context.usage("--generate makes a string (or a credential's password, with --username)");
    const { charsetCharacters, DEFAULT_CHARSET, generatePassword, parseLength } = await import("../generate.ts");
    const characters = charsetCharacters(flags.charset ?? DEFAULT_CHARSET);
    return { text: generatePassword(parseLength(flags.length), characters) };
  }
  const generateOnly = { length: flags.length !== undefined, charset: flags.charset !== undefined, print: flags.print };
  for (const [flag, given] of Object.entries(generateOnly)) {
    if (given) throw context.usage(`--${flag} goes with --generate`);
  }
  if (flags.stdin) {
    if (argument !== undefined) throw context.usage("give the value as an argument or with --stdin, not both");
    if (flags["password-stdin"]) throw context.usage("--stdin and --password-stdin cannot both read stdin");
    return { bytes: await context.host.readStdin() };
  }
  if (argument !== undefined) return { text: argument };
  if (!context.runtime.stdinIsTerminal()) {
    throw context.usage("no value: give it with --stdin (stdin is not a terminal), or as an argument");
  }
  const label = type === "credential" ? "Password" : type === "bytes" ? "Value (base64)" : "Value";
  return { text: await context.runtime.promptSecret(`${label} for ${context.args.name}: `) };
}

export async function set(context: CommandContext<"set">): Promise<void> {
  const { flags } = context;
  const type: SecretType = flags.type ?? (flags.username !== undefined ? "credential" : "string");
  const metadata = flags.meta.length ? parseMetadata(flags.meta) : undefined;
  const raw = await readValue(context, type);
  const value = buildSecretValue(type, raw, flags.username);
  // Checked before a first use creates the local store, so a refused value leaves nothing behind.
  validateSecretValue(value);
  if (metadata !== undefined) validateMetadata(metadata);
  const sm = await context.open();
  const vault = flags.vault;
  // First use creates the local store (the manager does, with a password from context.passwords); --no-password makes it without one.
  if (vault === undefined && flags["no-password"] && (await sm.getVaults()).length === 0) {
    await registerLocalStore(sm, { authentication: "none" });
  }
  await sm.setSecret(context.args.name, value, { vault, metadata, noClobber: flags["no-clobber"] });
  if (flags.print) printValue(context, raw.text!);
}

function printValue(context: Context, value: SecretValue): void {
  if (typeof value === "string") {
    context.out(context.host.stdoutIsTerminal() ? `${value}\n` : value);
  } else if (value instanceof Uint8Array) {
    context.out(value);
  } else {
    const newline = context.host.stdoutIsTerminal() ? "\n" : "";
    context.out(JSON.stringify(secretToJson(value).value) + newline);
  }
}

/**
 * The secret a command names: a name with --vault/--field, or a `secret://vault/name#field`
 * reference (as `op read` takes), whose parts may not contradict the flags.
 */
function namedSecret(context: CommandContext<"get">, argument: string): { name: string; vault?: string; field?: string } {
  const { vault, field } = context.flags;
  if (!isSecretReference(argument)) return { name: argument, vault, field };
  const reference = parseSecretReference(argument);
  const differs = (a: string | undefined, b: string | undefined) =>
    a !== undefined && b !== undefined && a.toLowerCase() !== b.toLowerCase();
  if (differs(reference.vault, vault)) throw context.usage(`the reference names vault "${reference.vault}" but --vault says "${vault}"`);
  if (differs(reference.field, field)) throw context.usage(`the reference names field "${reference.field}" but --field says "${field}"`);
  return { name: reference.name, vault: reference.vault ?? vault, field: reference.field ?? field };
}

export async function get(context: CommandContext<"get">): Promise<void> {
  const { name, vault, field } = namedSecret(context, context.args.name);
  const value = (await readFromAgent(context, name, vault)) ?? (await getThroughVaults(context, name, vault));
  const picked = selectField(value, field, `"${name}"`);
  if (context.flags.json) printJson(context, valueJson(picked));
  else printValue(context, picked);
}

async function getThroughVaults(context: Context, name: string, vault: string | undefined): Promise<SecretValue> {
  const sm = await context.open();
  return await sm.getSecret(name, vault === undefined ? {} : { vault });
}

/** The typed JSON form; a bytes value is its base64 text: {"type": "bytes", "value": "AAEC"}. */
function valueJson(value: SecretValue): unknown {
  return value instanceof Uint8Array ? { type: "bytes", value: bytesToBase64(value) } : secretToJson(value);
}

function metadataText(metadata: Metadata): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key}=${value instanceof Date ? value.toISOString() : String(value)}`)
    .join(" ");
}

export async function info(context: CommandContext<"info">): Promise<void> {
  const sm = await context.open();
  const { vault } = context.flags;
  const { filter } = context.args;
  const infos = await sm.getSecretInfo(filter ?? "*", vault === undefined ? {} : { vault });
  if (context.flags.json) return printJson(context, infos);
  if (infos.length === 0) {
    if (context.vaultFailures.length > 0) return; // the failure is the news, not the empty listing
    const what = filter === undefined || filter === "*" ? "no secrets" : `no secret matches "${filter}"`;
    const where = vault === undefined ? "" : ` in vault "${vault}"`;
    context.note(`${what}${where}; store one with: secret set <name>${vault === undefined ? "" : ` --vault ${vault}`}`);
    return;
  }
  printTable(
    context,
    ["NAME", "TYPE", "VAULT", "METADATA"],
    infos.map((info) => [info.name, info.type, info.vault, metadataText(info.metadata)]),
  );
}

export async function meta(context: CommandContext<"meta">): Promise<void> {
  const { meta: pairs, clear, vault } = context.flags;
  if (pairs.length === 0 && !clear) throw context.usage("give --meta k=v (repeatable) or --clear");
  if (pairs.length > 0 && clear) throw context.usage("--meta and --clear cannot be combined");
  const metadata = parseMetadata(pairs);
  const sm = await context.open();
  await sm.setSecretInfo(context.args.name, metadata, vault === undefined ? {} : { vault });
}

export async function remove(context: CommandContext<"remove">): Promise<void> {
  const { vault } = context.flags;
  if (vault === undefined) throw context.usage("remove needs --vault <name>: say which vault to remove it from");
  const sm = await context.open();
  await sm.removeSecret(context.args.name, { vault });
}

export async function copy(context: CommandContext<"copy">): Promise<number> {
  // `secret copy secret://vault/filter --to other` names the source vault in the reference.
  const argument = context.args.filter;
  const reference = isSecretReference(argument) ? parseSecretReference(argument) : undefined;
  if (reference?.field !== undefined) throw context.usage("copy copies whole secrets: leave #field out of the reference");
  const { from: given, to } = context.flags;
  if (reference?.vault !== undefined && given !== undefined && reference.vault.toLowerCase() !== given.toLowerCase()) {
    throw context.usage(`the reference names vault "${reference.vault}" but --from says "${given}"`);
  }
  const from = reference?.vault ?? given;
  const filter = reference?.name ?? argument;
  if (from === undefined || to === undefined) throw context.usage("copy needs --from <vault> and --to <vault>");
  const sm = await context.open();
  await sm.getVaultExtension(to); // a missing target is one error, not one per secret
  const infos = await sm.getSecretInfo(filter, { vault: from });
  const noClobber = context.flags["no-clobber"];
  const bar = progress(context, infos.length);
  let failed = 0;
  for (const [i, info] of infos.entries()) {
    try {
      const value = await sm.getSecret(info.name, { vault: from });
      await sm.setSecret(info.name, value, { vault: to, metadata: info.metadata, noClobber });
      context.out(`copied ${info.name}\n`);
    } catch (error) {
      if (error instanceof SecretManagementError && error.code === "SECRET_EXISTS") {
        context.out(`skipped ${info.name} (exists in ${to})\n`);
      } else {
        failed++;
        context.out(`failed ${info.name}\n`);
        context.runtime.writeStderr(`secret: ${info.name}: ${(error as Error).message}\n`);
      }
    }
    bar.tick(i + 1);
  }
  bar.end();
  return failed > 0 ? 1 : 0;
}
