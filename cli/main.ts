#!/usr/bin/env node
/**
 * `secret`: the command-line interface. The same file runs as `deno run -A cli/main.ts`,
 * `bun cli/main.ts` and, built, `node dist/cli/main.js` (the npm `secret` bin).
 * Only the parser and the command table load up front; each command imports what it needs.
 */
import { type CommandSpec, commandHelp, findCommand, overviewHelp, parseCommandLine, UsageError } from "./args.ts";
import { loadHandler } from "./handlers.ts";
import { cliHost } from "./host.ts";
import { COMMANDS } from "./table.ts";
import { VERSION } from "./version.ts";

const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, password: 4 } as const;

// The host first: it has the arguments and the output. The rest loads once a command is known.
const host = await cliHost();
const out = (text: string) => host.writeStdout(text);
const err = (text: string) => host.writeStderr(text);

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  const code = (error as { code?: unknown })?.code;
  if (code === "PASSWORD_REQUIRED" || code === "WRONG_PASSWORD") return EXIT.password;
  // A search where a vault failed ends in that failure, never in "not found" (core/manager.ts).
  if (code === "SECRET_NOT_FOUND" || code === "VAULT_NOT_FOUND") return EXIT.notFound;
  return EXIT.error;
}

async function colour(text: string): Promise<string> {
  const { detectRuntime } = await import("../adapters/detect.ts");
  const noColor = ((await detectRuntime()).env("NO_COLOR") ?? "") !== "";
  return !noColor && host.stderrIsTerminal() ? `\u001b[31m${text}\u001b[0m` : text;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-V") {
    out(`secret ${VERSION}\n`);
    return EXIT.ok;
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  const found = findCommand(COMMANDS, argv);
  const unknownWord = found.rest.some((word) => !word.startsWith("-"));
  if (wantsHelp && found.command === undefined && !unknownWord) {
    // `secret --help`, or a group such as `secret vault --help`: the commands under it.
    out(overviewHelp(COMMANDS, VERSION, found.words));
    return EXIT.ok;
  }
  if (argv.length === 0) {
    out(overviewHelp(COMMANDS, VERSION));
    return EXIT.usage;
  }
  const debug = argv.includes("--debug");
  let command: CommandSpec | undefined;
  try {
    const parsed = parseCommandLine(COMMANDS, argv);
    command = parsed.command;
    if (parsed.flags.help) {
      out(commandHelp(parsed.command));
      return EXIT.ok;
    }
    const [{ Context }, { detectRuntime }, handler] = await Promise.all([
      import("./context.ts"),
      import("../adapters/detect.ts"),
      loadHandler(command),
    ]);
    const runtime = await detectRuntime();
    const context = new Context(runtime, host, parsed);
    const code = (await handler(context)) ?? EXIT.ok;
    await context.finish();
    return code;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    err(`${await colour("secret:")} ${message}\n`);
    if (error instanceof UsageError) {
      const path = (error.command ?? command)?.path;
      err(`Run "secret ${path ? `${path.join(" ")} ` : ""}--help" for usage.\n`);
    }
    if (debug) err(`${(error as Error)?.stack ?? ""}\n`);
    return exitCodeFor(error);
  }
}

await host.exitAfterOutput(await main(host.args()));
