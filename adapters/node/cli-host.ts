/**
 * The CliHost for Node (cli/host.ts), and the Node APIs of it that Bun shares. The unlock agent's
 * pieces (sockets, detached start) are imported when first used, not at start-up.
 */
import type { CliHost } from "../../cli/host.ts";
import { isBrokenPipe } from "../shared/broken-pipe.ts";
import { firstLine, nobodyListening, serveLines, unavailable, withinTime } from "../shared/line-socket.ts";
import { selfCommand } from "../shared/self-command.ts";
import { confirm } from "../shared/terminal.ts";
import { nodeTerminal } from "./terminal.ts";

async function requestLine(path: string, line: string): Promise<string | undefined> {
  const { createConnection } = await import("node:net");
  return await new Promise((resolve, reject) => {
    const connection = createConnection(path);
    let text = "";
    connection.setEncoding("utf8");
    connection.on("connect", () => connection.write(line));
    connection.on("data", (chunk: string) => {
      text += chunk;
      const answer = firstLine(text);
      if (answer === undefined) return;
      connection.destroy();
      resolve(answer);
    });
    connection.on("error", (error: NodeJS.ErrnoException) => {
      if (nobodyListening(error.code)) resolve(undefined);
      else reject(unavailable(error.code ?? error.message));
    });
    connection.on("close", () => resolve(firstLine(text)));
  });
}

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
  confirm: (message) => confirm(nodeTerminal, message),
  onSignals(signals, handler) {
    const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
    for (const [signal, listener] of listeners) process.on(signal, listener);
    return () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    };
  },
  exit: (code) => process.exit(code),
  async exitAfterOutput(code) {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  },
  selfCommand: (mainUrl) => selfCommand(process.execPath, [], mainUrl),
  startDetached: async (command, options) => (await import("../shared/detached.ts")).startDetached(command, options),
  requestLine: (path, line, timeoutMs) => withinTime(requestLine(path, line), timeoutMs),
  serveLines,
};

/** Node's host; Node reports a closed stdout as an 'error' event that, unheard, crashes with a stack trace. */
export function nodeCliHost(): CliHost {
  process.stdout.on("error", (error) => {
    if (!isBrokenPipe(error)) throw error;
  });
  return nodeCompatibleHost;
}
