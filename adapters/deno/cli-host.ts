/**
 * The CliHost for Deno (cli/host.ts), over `Deno.*`: touching `process` on Deno starts its Node
 * compatibility layer, which costs more than the whole `secret get`. The unlock agent's detached
 * start and server use `node:*`, loaded only then.
 */
import type { CliHost } from "../../cli/host.ts";
import { unlessBrokenPipe } from "../shared/broken-pipe.ts";
import { firstLine, nobodyListening, serveLines, unavailable, withinTime } from "../shared/line-socket.ts";
import { selfCommand } from "../shared/self-command.ts";
import { confirm } from "../shared/terminal.ts";
import { Deno, type DenoConn, writeAllSync } from "./api.ts";
import { denoTerminal } from "./terminal.ts";

const encoder = new TextEncoder();

async function requestLine(path: string, line: string): Promise<string | undefined> {
  let conn: DenoConn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    const name = (error as Error).name;
    if (nobodyListening(name) || nobodyListening((error as { code?: string }).code)) return undefined;
    throw unavailable(name);
  }
  try {
    const bytes = encoder.encode(line);
    for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return firstLine(text);
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      const answer = firstLine(text);
      if (answer !== undefined) return answer;
    }
  } finally {
    conn.close();
  }
}

export const denoCliHost: CliHost = {
  args: () => [...Deno.args],
  writeStdout: (data) => unlessBrokenPipe(() => writeAllSync(Deno.stdout, data)),
  writeStderr: (data) => unlessBrokenPipe(() => writeAllSync(Deno.stderr, data)),
  stdoutIsTerminal: () => Deno.stdout.isTerminal(),
  stderrIsTerminal: () => Deno.stderr.isTerminal(),
  async readStdin() {
    return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  },
  confirm: (message) => confirm(denoTerminal, message),
  onSignals(signals, handler) {
    const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
    for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
    return () => {
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    };
  },
  exit: (code) => Deno.exit(code),
  // Deno writes synchronously: nothing is pending.
  exitAfterOutput: async (code) => Deno.exit(code),
  selfCommand: (mainUrl) => selfCommand(Deno.execPath(), ["run", "-A", "--quiet"], mainUrl),
  startDetached: async (command, options) => (await import("../shared/detached.ts")).startDetached(command, options),
  requestLine: (path, line, timeoutMs) => withinTime(requestLine(path, line), timeoutMs),
  serveLines,
};
