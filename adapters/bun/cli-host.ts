/**
 * The CliHost for Bun (cli/host.ts): Node's, but output goes to the file descriptors synchronously
 * (the first touch of process.stdout or process.stderr sets up Node's stream layer, which costs more
 * than a whole `secret get`), stdin and the agent's socket client are Bun's own.
 */
import { isatty } from "node:tty";
import type { CliHost } from "../../cli/host.ts";
import { nodeCompatibleHost } from "../node/cli-host.ts";
import { unlessBrokenPipe } from "../shared/broken-pipe.ts";
import { firstLine, nobodyListening, unavailable, withinTime } from "../shared/line-socket.ts";
import { Bun, type BunSocket, writeAllSync } from "./api.ts";

function requestLine(path: string, line: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = "";
    Bun.connect({
      unix: path,
      socket: {
        open: (socket: BunSocket) => void socket.write(line),
        data(socket: BunSocket, chunk: Uint8Array) {
          text += decoder.decode(chunk, { stream: true });
          const answer = firstLine(text);
          if (answer === undefined) return;
          socket.end();
          resolve(answer);
        },
        close: () => resolve(firstLine(text)),
        error: (_socket: BunSocket, error: Error) => reject(unavailable(error.message)),
      },
    }).catch((error: { code?: string; message?: string }) => {
      if (nobodyListening(error.code)) resolve(undefined);
      else reject(unavailable(error.code ?? error.message ?? "connection failed"));
    });
  });
}

export const bunCliHost: CliHost = {
  ...nodeCompatibleHost,
  writeStdout: (data) => unlessBrokenPipe(() => writeAllSync(1, data)),
  writeStderr: (data) => unlessBrokenPipe(() => writeAllSync(2, data)),
  stdoutIsTerminal: () => isatty(1),
  stderrIsTerminal: () => isatty(2),
  readStdin: () => Bun.stdin.bytes(),
  // Bun's process.exit drops piped output still queued (and reports none queued); a natural exit flushes it.
  async exitAfterOutput(code) {
    process.exitCode = code;
  },
  requestLine: (path, line, timeoutMs) => withinTime(requestLine(path, line), timeoutMs),
};
