/**
 * The CliHost for Node (cli/host.ts), and the Node APIs of it that Bun shares. What only some
 * commands use (a question, the agent's socket and detached start) is imported when first used:
 * every command, `secret --version` too, loads this host before anything else.
 */
import type { CliHost } from "../../cli/host.ts";
import { isBrokenPipe } from "../shared/broken-pipe.ts";
import { onSignals } from "../shared/platform.ts";

/** Waits until what was written to a stream has left the process (Node writes pipes asynchronously). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** The host over Node APIs: what Bun shares. Touches no stream until used (on Bun that costs start-up). */
export const nodeCompatibleHost: CliHost = {
  args: () => process.argv.slice(2),
  writeStdout: (data) => void process.stdout.write(data),
  writeStderr: (data) => void process.stderr.write(data),
  stdoutIsTerminal: () => process.stdout.isTTY === true,
  stderrIsTerminal: () => process.stderr.isTTY === true,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  },
  async confirm(message) {
    const [{ confirm }, { nodeTerminal }] = await Promise.all([import("../shared/terminal.ts"), import("./terminal.ts")]);
    return await confirm(nodeTerminal, message);
  },
  onSignals: (signals, handler) =>
    onSignals((signal, listener) => process.on(signal, listener), (signal, listener) => process.off(signal, listener), signals, handler),
  exit: (code) => process.exit(code),
  async exitAfterOutput(code) {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  },
  selfCommand: async (mainUrl) => (await import("../shared/self-command.ts")).selfCommand(process.execPath, [], mainUrl),
  startDetached: async (command, options) => (await import("../shared/detached.ts")).startDetached(command, options),
  requestLine: async (path, line, timeoutMs) => (await import("./socket-client.ts")).requestLine(path, line, timeoutMs),
  serveLines: async (path, answer) => (await import("../shared/line-socket.ts")).serveLines(path, answer),
};

/** Node's host; Node reports a closed stdout as an 'error' event that, unheard, crashes with a stack trace. */
export function nodeCliHost(): CliHost {
  process.stdout.on("error", (error) => {
    if (!isBrokenPipe(error)) throw error;
  });
  return nodeCompatibleHost;
}
