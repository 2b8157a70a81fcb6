/**
 * The command-line parser: a table of commands (cli/table.ts) drives parsing, `--help` and
 * completion, so they cannot drift, and types the flags and arguments each handler reads.
 * No dependency; flags are `--name value`, `--name=value`, `-x value`; `--` ends options.
 */

export type Completion = "vault" | "secret" | "file" | "command";

export interface FlagSpec {
  name: string;
  short?: string;
  /** Placeholder shown in help; a flag without one is a boolean switch. */
  value?: string;
  repeat?: boolean;
  choices?: readonly string[];
  complete?: Completion;
  help: string;
}

export interface ArgSpec {
  name: string;
  required?: boolean;
  /** Takes every remaining positional argument. */
  variadic?: boolean;
  complete?: Completion;
}

export interface CommandSpec {
  path: readonly string[];
  summary: string;
  args: readonly ArgSpec[];
  flags: readonly FlagSpec[];
  /** Extra help paragraphs (details, examples). */
  details?: string;
  /** The first positional argument ends option parsing (the rest belongs to a child command). */
  passthrough?: boolean;
  hidden?: boolean;
  /** Other words for the last word of the path, as users of other tools type them (`ls` for `info`). */
  aliases?: readonly string[];
}

export type FlagValues = { [name: string]: string | string[] | boolean | undefined };

/**
 * What a handler reads for a flag declared as `F`: a switch is true or false, a repeatable flag the
 * values in the order given, a flag with choices one of them or undefined, any other its text or
 * undefined. For a spec whose shape is not known literally (plain `FlagSpec`), any of these.
 */
export type FlagValue<F extends FlagSpec> = F extends { value: string }
  ? F extends { repeat: true } ? string[] : (F extends { choices: readonly (infer Choice)[] } ? Choice : string) | undefined
  : F extends { name: string; value?: undefined } ? boolean
  : string | string[] | boolean | undefined;

/** What a handler reads for an argument declared as `A`; a required variadic one has at least one word. */
export type ArgValue<A extends ArgSpec> = A extends { variadic: true }
  ? A extends { required: true } ? [string, ...string[]] : string[]
  : A extends { name: string; variadic?: false } ? A extends { required: true } ? string : string | undefined
  : string | string[] | undefined;

/** The flags of command `C` by name, as its handler reads them (`as const` tables give exact types). */
export type FlagsOf<C extends CommandSpec> = { readonly [F in C["flags"][number] as F["name"]]: FlagValue<F> };
/** The positional arguments of command `C` by name. */
export type ArgsOf<C extends CommandSpec> = { readonly [A in C["args"][number] as A["name"]]: ArgValue<A> };

export interface Parsed<C extends CommandSpec = CommandSpec> {
  command: C;
  /** What was given: a variadic argument as its (maybe empty) list, another only when given. */
  args: { [name: string]: string | string[] | undefined };
  /** What was given: a switch as true, a repeatable flag as its list, nothing for a flag not given. */
  flags: FlagValues;
}

/** Every flag `parsed.command` declares, with the value its handler reads (false for a switch not given, [] for a list). */
export function flagsOf<C extends CommandSpec>(parsed: Parsed<C>): FlagsOf<C> {
  const values: FlagValues = {};
  for (const flag of parsed.command.flags) {
    const given = parsed.flags[flag.name];
    values[flag.name] = flag.value === undefined ? given === true : flag.repeat ? (given ?? []) : given;
  }
  // Built from C's own flag specs just above, so it has FlagsOf<C>'s keys and value kinds.
  return values as FlagsOf<C>;
}

/** The arguments of `parsed.command` by name; parseCommandLine checked the required ones. */
export function argsOf<C extends CommandSpec>(parsed: Parsed<C>): ArgsOf<C> {
  return parsed.args as ArgsOf<C>;
}

/** A bad command line: exit code 2. */
export class UsageError extends Error {
  readonly command: CommandSpec | undefined;
  constructor(message: string, command?: CommandSpec) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "help", short: "h", help: "show help for the command" },
  { name: "debug", help: "print the stack of an error" },
];

/** Edits between two words, where swapping two neighbouring letters is one edit (`lsit` → `list`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a distance that still looks like a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 2 ? 1 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) + 1 ? best : undefined;
}

function didYouMean(candidate: string | undefined): string {
  return candidate === undefined ? "" : ` (did you mean "${candidate}"?)`;
}

/** Whether `word` is the command's k-th path word, or an alias of its last one. */
function wordMatches(command: CommandSpec, k: number, word: string): boolean {
  return command.path[k] === word || (k === command.path.length - 1 && (command.aliases ?? []).includes(word));
}

export function subcommandNames(table: readonly CommandSpec[], group: readonly string[]): string[] {
  const names = new Set<string>();
  for (const command of table) {
    if (command.hidden || command.path.length <= group.length) continue;
    if (!group.every((part, i) => wordMatches(command, i, part))) continue;
    names.add(command.path[group.length]!);
    if (command.path.length === group.length + 1) for (const alias of command.aliases ?? []) names.add(alias);
  }
  return [...names];
}

/** The command words at the start of argv: the longest run that is a prefix of some command's path. */
export function findCommand(
  table: readonly CommandSpec[],
  argv: readonly string[],
): { command: CommandSpec | undefined; words: string[]; rest: string[] } {
  let i = 0;
  while (argv[i] === "--debug") i++;
  const leading = argv.slice(0, i);
  const words: string[] = [];
  while (i < argv.length && !argv[i]!.startsWith("-")) {
    const next = [...words, argv[i]!];
    if (!table.some((command) => next.every((word, k) => wordMatches(command, k, word)))) break;
    words.push(argv[i++]!);
  }
  const command = table.find((c) => c.path.length === words.length && words.every((word, k) => wordMatches(c, k, word)));
  return { command, words, rest: [...leading, ...argv.slice(i)] };
}

export function parseCommandLine(table: readonly CommandSpec[], argv: readonly string[]): Parsed {
  const { command, words, rest } = findCommand(table, argv);
  if (command === undefined) {
    // The word right after the known ones (if it is not a flag) is the unknown command.
    const next = rest.find((word) => word !== "--debug");
    const unknown = next !== undefined && !next.startsWith("-") ? next : undefined;
    if (unknown === undefined) {
      throw new UsageError(
        words.length
          ? `"secret ${words.join(" ")}" needs a subcommand: ${subcommandNames(table, words).join(", ")}`
          : "no command given (try secret --help)",
      );
    }
    const suggestion = suggest(unknown, subcommandNames(table, words));
    throw new UsageError(
      `unknown command "${[...words, unknown].join(" ")}"${
        didYouMean(suggestion && [...words, suggestion].join(" "))
      }`,
    );
  }
  return parseFor(command, rest);
}

function parseFor(command: CommandSpec, argv: readonly string[]): Parsed {
  const flags: FlagValues = {};
  const specs = [...command.flags, ...GLOBAL_FLAGS];
  const positionals: string[] = [];
  let options = true;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!options || word === "-" || !word.startsWith("-")) {
      positionals.push(word);
      if (command.passthrough) options = false;
      continue;
    }
    if (word === "--") {
      options = false;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: FlagSpec | undefined;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      inline = eq < 0 ? undefined : word.slice(eq + 1);
      spec = specs.find((flag) => flag.name === name);
    } else {
      name = word.slice(1, 2);
      inline = word.length > 2 ? word.slice(2) : undefined;
      spec = specs.find((flag) => flag.short === name);
    }
    if (spec === undefined) {
      const candidates = specs.map((flag) => `--${flag.name}`);
      throw new UsageError(
        `unknown flag ${word.split("=")[0]} for "secret ${command.path.join(" ")}"${
          didYouMean(suggest(word.split("=")[0]!, candidates))
        }`,
        command,
      );
    }
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`, command);
      flags[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${spec.name} needs a value: --${spec.name} ${spec.value}`, command);
      value = argv[++i]!;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(
        `--${spec.name} must be one of ${spec.choices.join(", ")}, not "${value}"${didYouMean(suggest(value, spec.choices))}`,
        command,
      );
    }
    if (spec.repeat) flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
    else if (flags[spec.name] !== undefined) throw new UsageError(`--${spec.name} given twice`, command);
    else flags[spec.name] = value;
  }
  if (flags.help) return { command, args: {}, flags };
  const args: Parsed["args"] = {};
  let p = 0;
  for (const arg of command.args) {
    if (arg.variadic) {
      args[arg.name] = positionals.slice(p);
      if (arg.required && positionals.length <= p) throw new UsageError(`missing <${arg.name}>`, command);
      p = positionals.length;
    } else if (p < positionals.length) {
      args[arg.name] = positionals[p++];
    } else if (arg.required) {
      throw new UsageError(`missing <${arg.name}>`, command);
    }
  }
  if (p < positionals.length) throw new UsageError(`unexpected argument "${positionals[p]}"`, command);
  return { command, args, flags };
}

function usageLine(command: CommandSpec): string {
  const args = command.args.map((arg) => {
    const inner = `<${arg.name}>${arg.variadic ? "..." : ""}`;
    return arg.required ? inner : `[${inner}]`;
  });
  const dash = command.passthrough ? ["[--]"] : [];
  const flags = command.flags.length ? ["[flags]"] : [];
  const ordered = command.passthrough ? [...flags, ...dash, ...args] : [...args, ...flags];
  return ["secret", ...command.path, ...ordered].join(" ");
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`${usageLine(command)}`, "", command.summary];
  if (command.aliases?.length) {
    lines.push(`Also: ${command.aliases.map((alias) => ["secret", ...command.path.slice(0, -1), alias].join(" ")).join(", ")}`);
  }
  if (command.details) lines.push("", command.details.trimEnd());
  const flags = [...command.flags, ...GLOBAL_FLAGS];
  lines.push("", "Flags:");
  const labels = flags.map((flag) =>
    `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${flag.value ? ` ${flag.value}` : ""}`
  );
  const width = Math.max(...labels.map((label) => label.length));
  flags.forEach((flag, i) => {
    const extra = [
      flag.choices ? `one of: ${flag.choices.join(", ")}` : "",
      flag.repeat ? "repeatable" : "",
    ].filter(Boolean).join("; ");
    lines.push(`  ${labels[i]!.padEnd(width)}  ${flag.help}${extra ? ` (${extra})` : ""}`);
  });
  return lines.join("\n") + "\n";
}

export function overviewHelp(table: readonly CommandSpec[], version: string, group: readonly string[] = []): string {
  const visible = table.filter((command) => !command.hidden && group.every((word, i) => command.path[i] === word));
  const labels = visible.map((command) =>
    [command.path.join(" "), ...(command.aliases ?? []).map((alias) => [...command.path.slice(0, -1), alias].join(" "))].join(" | ")
  );
  const width = Math.max(...labels.map((label) => label.length));
  return [
    `secret ${version}: one CLI over many secret vaults`,
    "",
    `Usage: ${["secret", ...group].join(" ")} <command> [arguments] [flags]`,
    "",
    "Commands:",
    ...visible.map((command, i) => `  ${labels[i]!.padEnd(width)}  ${command.summary}`),
    "",
    "Run `secret <command> --help` for the flags of a command.",
    "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 password required or wrong.",
    "Global flags: --help, --debug, --version. NO_COLOR turns colour off.",
    "",
  ].join("\n");
}
