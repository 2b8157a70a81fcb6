/**
 * What only the `secret` command needs from the runtime running it, beyond the library's Runtime
 * (core/runtime.ts): its arguments and exit, its own output and stdin, a yes/no question, signals,
 * and the unlock agent's detached start and Unix socket. Each runtime's is
 * adapters/<runtime>/cli-host.ts, loaded once the CLI starts (`cliHost`).
 */

export type Signal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** How starting a detached child went: the first line it printed, or why there is none. */
export type DetachedStart =
  | { line: string }
  | { failure: "timeout" }
  | { failure: "spawn"; message: string }
  | { failure: "exit"; code: number | null };

export interface DetachedOptions {
  /** Written to the child's stdin, which is then closed: how a key reaches it (never argv or environment). */
  input: string;
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd: string;
  /** How long to wait for its first line. */
  timeoutMs: number;
}

/** A Unix socket server answering one request line per connection (the unlock agent's). */
export interface LineServer {
  close(): void;
}

export interface CliHost {
  /** The command line's words after the program (and its script). */
  args(): string[];
  /** Writes to stdout; output its reader no longer takes (`secret get big | head -c 5`) is dropped quietly. */
  writeStdout(data: Uint8Array | string): void;
  writeStderr(data: Uint8Array | string): void;
  stdoutIsTerminal(): boolean;
  stderrIsTerminal(): boolean;
  /** All of stdin, to its end. */
  readStdin(): Promise<Uint8Array>;
  /** Asks a yes/no question on the terminal; PASSWORD_REQUIRED when stdin is not a terminal. */
  confirm(message: string): Promise<boolean>;
  /** Calls `handler` on each of `signals` instead of ending the process, until the returned function is called. */
  onSignals(signals: readonly Signal[], handler: (signal: Signal) => void): () => void;
  /** Ends the process now. */
  exit(code: number): never;
  /** Ends the process once what was written to stdout and stderr has left it; handles left open do not keep it alive. */
  exitAfterOutput(code: number): Promise<void>;
  /** The command line that runs the CLI whose entry module is `mainUrl` again, on this runtime. */
  selfCommand(mainUrl: string): Promise<string[]>;
  /**
   * Starts `command` in a session of its own, so that it outlives this process and the terminal's
   * Ctrl-C, and waits for the first line it prints; after that it runs on unwatched.
   */
  startDetached(command: string[], options: DetachedOptions): Promise<DetachedStart>;
  /**
   * Sends `line` (newline-terminated) to the Unix socket `path` and returns the first line of the
   * answer; undefined when nothing listens there (no socket, or a stale one). VAULT_UNAVAILABLE on
   * another failure or no answer within `timeoutMs`.
   */
  requestLine(path: string, line: string, timeoutMs: number): Promise<string | undefined>;
  /** Listens on the Unix socket `path`, answering each connection's first line with `answer`'s line. */
  serveLines(path: string, answer: (line: string) => Promise<string>): Promise<LineServer>;
}

let current: Promise<CliHost> | undefined;

/** The CliHost of the runtime running this process. */
export function cliHost(): Promise<CliHost> {
  current ??= import("../adapters/detect.ts").then(({ detectCliHost }) => detectCliHost());
  return current;
}
