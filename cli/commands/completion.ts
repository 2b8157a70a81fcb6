/**
 * Shell completion: `secret completion bash|zsh|fish` prints a script that calls back into
 * `<the command line that printed it> __complete -- <words so far>`, which answers from the same
 * command table as the parser, plus the registered vault names and secret names. Calling back the
 * same command line (`node …/dist/bin/secret.js`, `deno run … cli/main.ts`, the standalone binary)
 * is what makes completion work for a `secret` started through npx, deno or bun x, none of which
 * puts a `secret` on PATH.
 */
import { type CommandSpec, findCommand, type FlagSpec, GLOBAL_FLAGS, subcommandNames } from "../args.ts";
import { selfCommand } from "../agent.ts";
import { type CommandContext, Context } from "../context.ts";
import { SecretManagementError } from "../../core/errors.ts";
import { COMMANDS } from "../table.ts";

/** A word in single quotes for sh (bash, zsh): a quote inside becomes '\''. */
const shWord = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
/** A word in single quotes for fish, where a backslash escapes a quote or a backslash. */
const fishWord = (word: string): string => `'${word.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

function script(shell: string, self: string[]): string | undefined {
  const sh = self.map(shWord).join(" ");
  if (shell === "bash") {
    return `# bash completion for secret: source <(secret completion bash)
_secret_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(${sh} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _secret_complete secret
`;
  }
  if (shell === "zsh") {
    return `#compdef secret
# zsh completion for secret: source <(secret completion zsh)
_secret() {
  local -a candidates
  candidates=("\${(@f)$(${sh} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
if (( $+functions[compdef] )); then compdef _secret secret; fi
`;
  }
  if (shell === "fish") {
    return `# fish completion for secret: secret completion fish | source
function __secret_complete
  ${self.map(fishWord).join(" ")} __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null
end
complete -c secret -f -a '(__secret_complete)'
`;
  }
  return undefined;
}

export async function completion(context: CommandContext<"completion">): Promise<void> {
  const shell = context.args.shell;
  const text = script(shell, await selfCommand());
  if (text === undefined) throw context.usage(`unknown shell "${shell}": use bash, zsh or fish`);
  context.out(text);
}

/** Candidates for the last word, given all the words after `secret` (the last may be empty). */
export async function complete(context: CommandContext<"__complete">): Promise<void> {
  // Completion runs inside the shell: it must never prompt, so it sees no terminal.
  const quiet = new Context({
    ...context.runtime,
    stdinIsTerminal: () => false,
    promptSecret: () => Promise.reject(new SecretManagementError("PASSWORD_REQUIRED", "no prompt during completion")),
  }, context.host, context.parsed);
  const words = quiet.args.words;
  const current = words.length ? words[words.length - 1]! : "";
  const before = words.slice(0, -1);
  const candidates = (await candidatesFor(quiet, before, current)).filter((word) => word.startsWith(current));
  if (candidates.length) context.out(candidates.join("\n") + "\n");
}

async function candidatesFor(context: Context, before: string[], current: string): Promise<string[]> {
  const { command, words, rest } = findCommand(COMMANDS, before);
  if (command === undefined) {
    return rest.length === 0 ? subcommandNames(COMMANDS, words) : [];
  }
  const flags: FlagSpec[] = [...command.flags, ...GLOBAL_FLAGS];
  const previous = rest[rest.length - 1];
  const pending = previous?.startsWith("--") ? flags.find((flag) => `--${flag.name}` === previous) : undefined;
  if (pending?.value !== undefined) {
    if (pending.choices) return [...pending.choices];
    return pending.complete ? await names(context, pending.complete) : [];
  }
  if (current.startsWith("-")) return flags.map((flag) => `--${flag.name}`);
  const position = positionalIndex(command, flags, rest);
  const arg = command.args[Math.min(position, command.args.length - 1)];
  if (arg === undefined || (position >= command.args.length && !arg.variadic)) return [];
  if (command.passthrough && position > 0) return [];
  return arg.complete ? await names(context, arg.complete) : [];
}

function positionalIndex(command: CommandSpec, flags: FlagSpec[], rest: string[]): number {
  let count = 0;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (!word.startsWith("-")) count++;
    else if (!word.includes("=") && flags.find((flag) => `--${flag.name}` === word)?.value !== undefined) i++;
  }
  return command.args.length ? count : 0;
}

async function names(context: Context, kind: string): Promise<string[]> {
  if (kind !== "vault" && kind !== "secret") return [];
  try {
    const sm = await context.open();
    if (kind === "vault") return (await sm.getVaults()).map((vault) => vault.name);
    const seen = new Map<string, string>();
    for (const info of await sm.getSecretInfo("*")) {
      if (!seen.has(info.name.toLowerCase())) seen.set(info.name.toLowerCase(), info.name); // the first vault wins, as in get
    }
    return [...seen.values()];
  } catch {
    return [];
  }
}
