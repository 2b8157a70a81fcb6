#!/usr/bin/env node
/**
 * `secret`: the command-line interface. The same file runs as `deno run -A cli/main.ts`,
 * `bun cli/main.ts` and, built, `node dist/cli/main.js` (the npm `secret` bin).
 * Only the parser and the command table load up front; each command imports what it needs.
 */
import { type CommandSpec, commandHelp, findCommand, overviewHelp, parseCommandLine, UsageError } from "./args.ts";
import { loadHandler } from "./handlers.ts";
import { ignoreBrokenStdout, isBrokenPipe } from "./output.ts";
import { COMMANDS } from "./table.ts";
import { VERSION } from "./version.ts";

const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, password: 4 } as const;

/**
 * The few process facilities main needs. On Deno they come from `Deno.*`: touching `process` there
 * starts Deno's Node compatibility layer, which costs more than the whole `secret get`.
 */
interface DenoGlobals {
  args: string[];
  exit(code: number): never;
  env: { get(name: string): string | undefined };
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number; isTerminal(): boolean };
}
const deno = (globalThis as { Deno?: DenoGlobals }).Deno;
/**
 * On Bun, output goes to the file descriptors synchronously (as the Bun adapter's does): the first touch
 * of process.stdout there sets up Node's stream layer, which costs more than a whole `secret get`.
 */
const bunFs = (globalThis as { Bun?: unknown }).Bun !== undefined ? await import("node:fs") : undefined;
const bunStream = (fd: number) => ({ writeSync: (data: Uint8Array) => bunFs!.writeSync(fd, data) });

function writeAll(stream: { writeSync(data: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let written = 0; written < bytes.length;) written += stream.writeSync(bytes.subarray(written));
  } catch (error) {
    if (!isBrokenPipe(error)) throw error;
  }
}

const io = {
  args: (): string[] => (deno ? [...deno.args] : process.argv.slice(2)),
  out: (text: string) =>
    deno ? writeAll(deno.stdout, text) : bunFs ? writeAll(bunStream(1), text) : void process.stdout.write(text),
  err: (text: string) =>
    deno ? writeAll(deno.stderr, text) : bunFs ? writeAll(bunStream(2), text) : void process.stderr.write(text),
  env: (name: string) => (deno ? deno.env.get(name) : process.env[name]),
  stderrIsTerminal: () => (deno ? deno.stderr.isTerminal() : process.stderr.isTTY === true),
};

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  const code = (error as { code?: unknown })?.code;
  if (code === "PASSWORD_REQUIRED" || code === "WRONG_PASSWORD") return EXIT.password;
  // A search where a vault failed ends in that failure, never in "not found" (core/manager.ts).
  if (code === "SECRET_NOT_FOUND" || code === "VAULT_NOT_FOUND") return EXIT.notFound;
  return EXIT.error;
}

function colour(text: string): string {
  const noColor = (io.env("NO_COLOR") ?? "") !== "";
  return !noColor && io.stderrIsTerminal() ? `\u001b[31m${text}\u001b[0m` : text;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-V") {
    io.out(`secret ${VERSION}\n`);
    return EXIT.ok;
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  const found = findCommand(COMMANDS, argv);
  const unknownWord = found.rest.some((word) => !word.startsWith("-"));
  if (wantsHelp && found.command === undefined && !unknownWord) {
    // `secret --help`, or a group such as `secret vault --help`: the commands under it.
    io.out(overviewHelp(COMMANDS, VERSION, found.words));
    return EXIT.ok;
  }
  if (argv.length === 0) {
    io.out(overviewHelp(COMMANDS, VERSION));
    return EXIT.usage;
  }
  const debug = argv.includes("--debug");
  let command: CommandSpec | undefined;
  try {
    const parsed = parseCommandLine(COMMANDS, argv);
    command = parsed.command;
    if (parsed.flags.help) {
      io.out(commandHelp(parsed.command));
      return EXIT.ok;
    }
    const [{ Context }, { detectRuntime }, handler] = await Promise.all([
      import("./context.ts"),
      import("../adapters/detect.ts"),
      loadHandler(command),
    ]);
    const runtime = await detectRuntime();
    const context = new Context(runtime, parsed);
    const code = (await handler(context)) ?? EXIT.ok;
    await context.finish();
    return code;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    io.err(`${colour("secret:")} ${message}\n`);
    if (error instanceof UsageError) {
      const path = (error.command ?? command)?.path;
      io.err(`Run "secret ${path ? `${path.join(" ")} ` : ""}--help" for usage.\n`);
    }
    if (debug) io.err(`${(error as Error)?.stack ?? ""}\n`);
    return exitCodeFor(error);
  }
}

/** Waits until what was written to a stream has left the process (Node writes pipes asynchronously). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

if (!deno && !bunFs) ignoreBrokenStdout(); // Deno and Bun write synchronously: writeAll catches EPIPE
const code = await main(io.args());
if (deno) {
  deno.exit(code); // Deno writes synchronously: nothing is pending
} else if ((globalThis as { Bun?: unknown }).Bun !== undefined) {
  // Bun's process.exit drops piped output still queued (and reports none queued); a natural exit flushes it.
  process.exitCode = code;
} else {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Handles a command left open (a paused stdin, an idle socket) must not keep the process alive.
  process.exit(code);
}
