/**
 * Every command of `secret`: its words, arguments, flags and help. Plain data, declared `as const` so
 * that each handler's flags and arguments get their types from here (CommandContext in
 * cli/context.ts); which module runs each command is in cli/handlers.ts.
 */
import type { CommandSpec, FlagSpec } from "./args.ts";

const json = { name: "json", help: "print JSON" } as const satisfies FlagSpec;
const vault = { name: "vault", value: "<name>", complete: "vault", help: "the vault to use" } as const satisfies FlagSpec;
const passwordStdin = {
  name: "password-stdin",
  help: "read the store password (on first use, the new one) from the first line of stdin",
} as const satisfies FlagSpec;
const storeVault = {
  name: "vault",
  value: "<name>",
  complete: "vault",
  help: "the SecretStore vault (default: the default vault if it is a SecretStore, else the first one)",
} as const satisfies FlagSpec;

const TABLE = [
  {
    path: ["vault", "register"],
    summary: "register a vault: a name, an extension module and its parameters",
    args: [{ name: "name", required: true }, { name: "module", required: true, complete: "file" }],
    flags: [
      {
        name: "param",
        value: "<k=v>",
        repeat: true,
        help: "a parameter; the value is read as JSON when it parses (numbers, true, [..]), else as text",
      },
      { name: "description", value: "<text>", help: "a description shown by vault list" },
      { name: "default", help: "make it the default vault" },
      { name: "allow-clobber", help: "replace a vault registered under the same name" },
    ],
    details: "The module is a built-in name (secretstore, memory, env, ...), a package name or a file path.",
  },
  {
    path: ["vault", "unregister"],
    summary: "unregister vaults (their secrets stay where they are)",
    args: [{ name: "name", required: true, variadic: true, complete: "vault" }],
    flags: [],
  },
  {
    path: ["vault", "list"],
    summary: "list registered vaults",
    args: [{ name: "pattern", complete: "vault" }],
    flags: [json],
  },
  {
    path: ["vault", "default"],
    summary: "set or clear the default vault",
    args: [{ name: "name", complete: "vault" }],
    flags: [{ name: "clear", help: "clear the default vault" }],
  },
  {
    path: ["vault", "test"],
    summary: "test the vaults matching a pattern (exit 1 when one fails)",
    args: [{ name: "pattern", complete: "vault" }],
    flags: [],
  },
  {
    path: ["vault", "unlock"],
    summary: "unlock a vault with its password",
    args: [{ name: "name", required: true, complete: "vault" }],
    flags: [passwordStdin],
  },
  {
    path: ["vault", "search"],
    summary: "find vault extensions on npm (packages with the keyword secretmanagement-vault)",
    args: [{ name: "term" }],
    flags: [json, { name: "timeout", value: "<seconds>", help: "how long to wait for the registry (default 10)" }],
    details: "Searches the registry npm is configured with (npm_config_registry, .npmrc). It installs nothing.",
  },
  {
    path: ["set"],
    summary: "store a secret",
    args: [{ name: "name", required: true, complete: "secret" }, { name: "value" }],
    flags: [
      vault,
      { name: "type", value: "<type>", choices: ["string", "bytes", "credential", "map"], help: "the value type" },
      { name: "username", value: "<user>", help: "the username of a credential (the value is its password)" },
      { name: "meta", value: "<k=v>", repeat: true, help: "metadata: numbers, true/false and ISO dates are typed" },
      { name: "no-clobber", help: "fail if the secret exists" },
      { name: "stdin", help: "read the value from stdin" },
      { name: "no-password", help: "first use: create the local store without a password" },
      passwordStdin,
      { name: "generate", help: "store a random password from the OS random generator (prints nothing unless --print)" },
      { name: "length", value: "<n>", help: "--generate: how many characters (default 32)" },
      {
        name: "charset",
        value: "<classes>",
        help: "--generate: comma-separated lower, upper, digits, symbols, hex, letters, alnum, all (default alnum)",
      },
      { name: "print", help: "--generate: also print the password" },
    ],
    details: [
      "The value comes from the argument, --stdin, a no-echo prompt on a terminal, or --generate.",
      "Prefer --stdin or the prompt: an argument lands in shell history.",
      "--stdin keeps the input exactly, except one trailing newline for string and credential values.",
      "bytes: base64 from the argument or prompt, raw bytes from --stdin.",
      "map: a JSON object of strings, {\"bytes\": base64} or {\"username\", \"password\"}.",
      "With no vault registered, set creates the local SecretStore and makes it the default.",
    ].join("\n"),
  },
  {
    path: ["get"],
    aliases: ["show"],
    summary: "print a secret (a name, or a secret://vault/name#field reference)",
    args: [{ name: "name", required: true, complete: "secret" }],
    flags: [
      vault,
      { ...json, help: 'print {"type": ..., "value": ...} (bytes as base64)' },
      { name: "field", value: "<field>", help: "a key of a map, or username/password of a credential" },
      passwordStdin,
    ],
    details: [
      "Strings print as they are, with a newline only when stdout is a terminal; bytes print raw;",
      "credentials and maps print their JSON value.",
    ].join("\n"),
  },
  {
    path: ["info"],
    aliases: ["list", "ls"],
    summary: "list secrets (names, types, vaults, metadata) matching a wildcard filter",
    args: [{ name: "filter", complete: "secret" }],
    flags: [vault, json, passwordStdin],
  },
  {
    path: ["meta"],
    summary: "replace the metadata of a secret",
    args: [{ name: "name", required: true, complete: "secret" }],
    flags: [
      { name: "meta", value: "<k=v>", repeat: true, help: "metadata: numbers, true/false and ISO dates are typed" },
      { name: "clear", help: "remove all metadata" },
      vault,
      passwordStdin,
    ],
  },
  {
    path: ["remove"],
    aliases: ["rm"],
    summary: "remove a secret from a vault",
    args: [{ name: "name", required: true, complete: "secret" }],
    flags: [{ ...vault, help: "the vault to remove it from (required)" }, passwordStdin],
  },
  {
    path: ["copy"],
    summary: "copy the secrets matching a filter, with their metadata, from one vault to another",
    args: [{ name: "filter", required: true, complete: "secret" }],
    flags: [
      { name: "from", value: "<vault>", complete: "vault", help: "the source vault (required)" },
      { name: "to", value: "<vault>", complete: "vault", help: "the target vault (required)" },
      { name: "no-clobber", help: "skip secrets that exist in the target" },
      passwordStdin,
    ],
  },
  {
    path: ["store", "config"],
    summary: "show or change the SecretStore configuration",
    args: [],
    flags: [
      { name: "authentication", value: "<mode>", choices: ["password", "none"], help: "password or none" },
      { name: "timeout", value: "<seconds>", help: "how long an unlock lasts (0: one use, -1: until locked)" },
      { name: "interaction", value: "<mode>", choices: ["prompt", "none"], help: "prompt or fail when locked" },
      storeVault,
      json,
      passwordStdin,
    ],
  },
  {
    path: ["store", "unlock"],
    summary: "unlock the SecretStore; the unlock agent keeps it unlocked for the password timeout",
    args: [],
    flags: [storeVault, passwordStdin],
  },
  {
    path: ["store", "lock"],
    summary: "lock the SecretStore and stop the unlock agent",
    args: [],
    flags: [storeVault],
  },
  {
    path: ["store", "password"],
    summary: "change the SecretStore password (and stop the unlock agent)",
    args: [],
    flags: [
      storeVault,
      { name: "rotate-key", help: "also re-encrypt every secret under a new data key (old copies of the store files stop working)" },
      { ...passwordStdin, help: "read the current password, then the new one, from the first two lines of stdin" },
    ],
  },
  {
    path: ["store", "reset"],
    summary: "delete every secret and start an empty SecretStore",
    args: [],
    flags: [
      { name: "force", help: "do not ask for confirmation (required when stdin is not a terminal)" },
      { name: "no-password", help: "the new store has no password" },
      storeVault,
      passwordStdin,
    ],
  },
  {
    path: ["store", "export"],
    summary: "write a read-only, encrypted snapshot of SecretStore secrets for functions and workers",
    args: [],
    flags: [
      { name: "sealed", value: "<file>", complete: "file", help: "the sealed store file to write, mode 0600 (required)" },
      { name: "filter", value: "<wildcard>", help: "the secrets to export (default: all)" },
      { name: "force", help: "replace the file if it exists" },
      storeVault,
      passwordStdin,
    ],
    details: [
      "The snapshot is sealed under a fresh random 256-bit key, printed on stdout as one line and nowhere else:",
      "give it to the function (a worker secret, an environment variable) and ship the file beside it.",
      "Open it with openSealedStore(bytes, key) or the sealed vault. A filter that matches nothing writes nothing (exit 3).",
    ].join("\n"),
  },
  {
    path: ["run"],
    summary: "run a command with secrets in its environment",
    args: [{ name: "command", required: true, variadic: true, complete: "command" }],
    flags: [
      {
        name: "env",
        value: "<VAR=name|VAR>",
        repeat: true,
        help: "set VAR to a secret: a name, or a secret://vault/name#field reference; VAR alone passes on its value here",
      },
      {
        name: "env-file",
        short: "f",
        value: "<file>",
        repeat: true,
        complete: "file",
        help: "a .env file, read as dotenv reads it; values may be references (quote one with a #field)",
      },
      { name: "mask", help: "replace secret values in the command's output with *****" },
      { name: "no-mask", help: "pass the output through unchanged" },
      passwordStdin,
    ],
    passthrough: true,
    details: [
      "Secrets reach the command through its environment only, never its arguments.",
      "As with op run, secret:// values in the inherited environment are resolved too; nothing else is.",
      "It does not inherit SECRETSTORE_PASSWORD, VAULT_TOKEN, BAO_TOKEN, VAULT_SECRET_ID, AWS_SECRET_ACCESS_KEY,",
      "AWS_SESSION_TOKEN or AZURE_CLIENT_SECRET unless named with --env VAR (its value is then masked too).",
      "Output is masked by default when stdout is not a terminal. The exit code is the command's.",
      "If a secret is missing nothing is started (exit 3).",
    ].join("\n"),
  },
  {
    path: ["inject"],
    summary: "replace {{ secret://vault/name#field }} in a template",
    args: [],
    flags: [
      { name: "in", short: "i", value: "<file>", complete: "file", help: "the template (default: stdin)" },
      { name: "out", short: "o", value: "<file>", complete: "file", help: "the output, written 0600 (default: stdout)" },
      passwordStdin,
    ],
    details: "Every reference is resolved before anything is written; a missing secret writes nothing (exit 3).",
  },
  {
    path: ["completion"],
    summary: "print a shell completion script",
    args: [{ name: "shell", required: true }],
    flags: [],
    details: [
      "bash: source <(secret completion bash)",
      "zsh:  source <(secret completion zsh)",
      "fish: secret completion fish | source",
    ].join("\n"),
  },
  {
    path: ["__complete"],
    summary: "print completion candidates for the words after `secret` (used by completion scripts)",
    args: [{ name: "words", variadic: true }],
    flags: [],
    passthrough: true,
    hidden: true,
  },
  {
    path: ["__agent"],
    summary: "the unlock agent process (started by store unlock)",
    args: [{ name: "socket", required: true }],
    flags: [],
    hidden: true,
  },
] as const satisfies readonly CommandSpec[];

/** The table as the parser, help and completion read it: any command, any flag. */
export const COMMANDS: readonly CommandSpec[] = TABLE;

type Entry = (typeof TABLE)[number];
/** A command's words joined by spaces: ["vault", "register"] is "vault register". */
type Joined<Words extends readonly string[]> = Words extends readonly [infer Only extends string] ? Only
  : Words extends readonly [infer First extends string, ...infer Rest extends readonly string[]] ? `${First} ${Joined<Rest>}`
  : never;
type EntriesByName = { [E in Entry as Joined<E["path"]>]: E };

/** Every command by its words: "set", "vault register", "__complete". */
export type CommandName = keyof EntriesByName;
/** The table entry of a command, with its literal flags and arguments. */
export type CommandNamed<N extends CommandName> = EntriesByName[N];
/** Any flag declared in the table. */
type AnyFlag = Entry["flags"][number];
/** The switches (flags without a value) of any command. */
export type SwitchName = Extract<AnyFlag, { name: string; value?: undefined }>["name"];
/** The flags of any command that take one value (not repeatable). */
export type ValueFlagName = Exclude<Extract<AnyFlag, { value: string }>, { repeat: true }>["name"];
