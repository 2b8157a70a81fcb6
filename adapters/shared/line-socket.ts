/**
 * The parts of the CLI's Unix socket transport (cli/host.ts `requestLine`, `serveLines`) that do not
 * differ between runtimes. The client is each runtime's own (`node:net` costs Bun and Deno ~30 ms of
 * start-up on every `secret get`); the server, in the long-lived agent, is `node:net` everywhere.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { LineServer } from "../../cli/host.ts";

export function unavailable(detail: string): SecretManagementError {
  return new SecretManagementError("VAULT_UNAVAILABLE", `the unlock agent: ${detail}`);
}

/** Whether a connect error (Node's errno code, Deno's error name) means that nothing listens there. */
export function nobodyListening(code: unknown): boolean {
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK" || code === "NotFound" ||
    code === "ConnectionRefused";
}

export function firstLine(text: string): string | undefined {
  const newline = text.indexOf("\n");
  return newline < 0 ? undefined : text.slice(0, newline);
}

/** `request`, or VAULT_UNAVAILABLE when it has not settled within `timeoutMs`. */
export async function withinTime<T>(request: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable("no answer in time")), timeoutMs);
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Requests longer than this are dropped: a line is a small JSON object. */
const MAX_REQUEST = 64 * 1024;

export async function serveLines(path: string, answer: (line: string) => Promise<string>): Promise<LineServer> {
  const { createServer } = await import("node:net");
  const server = createServer((connection) => {
    let data = "";
    connection.setEncoding("utf8");
    connection.on("error", () => {});
    connection.on("data", (chunk: string) => {
      data += chunk;
      const line = firstLine(data);
      if (line === undefined) {
        if (data.length > MAX_REQUEST) connection.destroy();
        return;
      }
      connection.removeAllListeners("data"); // one request per connection
      answer(line).then((reply) => connection.end(`${reply}\n`), () => connection.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  return { close: () => void server.close() };
}
