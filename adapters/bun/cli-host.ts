/**
 * The CliHost for Bun (cli/host.ts): Node's, but output goes to the file descriptors synchronously
 * (the first touch of process.stdout or process.stderr sets up Node's stream layer, which costs more
 * than a whole `secret get`), stdin and the agent's socket client are Bun's own.
 */
import type { CliHost } from "../../cli/host.ts";
import { nodeCompatibleHost } from "../node/cli-host.ts";
import { unlessBrokenPipe } from "../shared/broken-pipe.ts";
import { Bun, isatty, writeAllSync } from "./api.ts";

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
  requestLine: async (path, line, timeoutMs) => (await import("./socket-client.ts")).requestLine(path, line, timeoutMs),
};
