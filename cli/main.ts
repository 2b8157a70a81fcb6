#!/usr/bin/env node
/**
 * `secret`: the command-line interface. The same file runs as `deno run -A cli/main.ts`,
 * `bun cli/main.ts` and, built, `node dist/cli/main.js` (the npm `secret` bin).
 * Only the parser and the command table load up front; each command imports what it needs.
 */
import { commandHelp, findCommand, overviewHelp, parseCommandLine, UsageError } from "./args.ts";
import { type Command, COMMANDS } from "./table.ts";
import { VERSION } from "./version.ts";

const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, password: 4 } as const;

function commandLineArguments(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno ? [...deno.args] : process.argv.slice(2);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  const code = (error as { code?: unknown })?.code;
  if (code === "PASSWORD_REQUIRED" || code === "WRONG_PASSWORD") return EXIT.password;
  if (code === "SECRET_NOT_FOUND" || code === "VAULT_NOT_FOUND") {
    // Not found while a locked vault could not be searched: the password is what is missing.
    const failures = (error as { cause?: { errors?: unknown[] } }).cause?.errors ?? [];
    return failures.some((failure) => exitCodeFor(failure) === EXIT.password) ? EXIT.password : EXIT.notFound;
  }
  return EXIT.error;
}

function colour(text: string): string {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  return !noColor && process.stderr.isTTY ? `\u001b[31m${text}\u001b[0m` : text;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-V") {
    process.stdout.write(`secret ${VERSION}\n`);
    return EXIT.ok;
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  const found = findCommand(COMMANDS, argv);
  const unknownWord = found.rest.some((word) => !word.startsWith("-"));
  if (wantsHelp && found.command === undefined && !unknownWord) {
    // `secret --help`, or a group such as `secret vault --help`: the commands under it.
    process.stdout.write(overviewHelp(COMMANDS, VERSION, found.words));
    return EXIT.ok;
  }
  if (argv.length === 0) {
    process.stdout.write(overviewHelp(COMMANDS, VERSION));
    return EXIT.usage;
  }
  const debug = argv.includes("--debug");
  let command: Command | undefined;
  try {
    const parsed = parseCommandLine(COMMANDS, argv);
    command = COMMANDS.find((entry) => entry === parsed.command)!;
    if (parsed.flags.help) {
      process.stdout.write(commandHelp(parsed.command));
      return EXIT.ok;
    }
    const [{ Context }, { detectRuntime }, handler] = await Promise.all([
      import("./context.ts"),
      import("../adapters/detect.ts"),
      command.load(),
    ]);
    const runtime = await detectRuntime();
    const context = new Context(runtime, parsed);
    const code = (await handler(context)) ?? EXIT.ok;
    await context.finish();
    return code;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    process.stderr.write(`${colour("secret:")} ${message}\n`);
    if (error instanceof UsageError) {
      const path = (error.command ?? command)?.path;
      process.stderr.write(`Run "secret ${path ? `${path.join(" ")} ` : ""}--help" for usage.\n`);
    }
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    return exitCodeFor(error);
  }
}

/** Waits until what was written to a stream has left the process (Node and Bun write pipes asynchronously). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

const code = await main(commandLineArguments());
if ((globalThis as { Bun?: unknown }).Bun !== undefined) {
  // Bun's process.exit drops piped output still queued (and reports none queued); a natural exit flushes it.
  process.exitCode = code;
} else {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Handles a command left open (a paused stdin, an idle socket) must not keep the process alive.
  process.exit(code);
}
