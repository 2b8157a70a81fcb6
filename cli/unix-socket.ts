/**
 * One request line, one answer line over a Unix socket: the unlock agent's client transport. Bun and
 * Deno use their own socket APIs, since loading `node:net` there costs ~30 ms of start-up on every
 * `secret get`; Node uses `node:net`. Resolves undefined when nothing listens (no socket, or a stale
 * one).
 */
import { SecretManagementError } from "../core/errors.ts";

const encoder = new TextEncoder();

function unavailable(detail: string): SecretManagementError {
  return new SecretManagementError("VAULT_UNAVAILABLE", `the unlock agent: ${detail}`);
}

function nobodyListening(code: unknown): boolean {
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK" || code === "NotFound" ||
    code === "ConnectionRefused";
}

function firstLine(text: string): string | undefined {
  const newline = text.indexOf("\n");
  return newline < 0 ? undefined : text.slice(0, newline);
}

interface DenoConn {
  write(data: Uint8Array): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  close(): void;
}

async function denoRequest(path: string, line: string): Promise<string | undefined> {
  const deno = (globalThis as unknown as { Deno: { connect(options: object): Promise<DenoConn> } }).Deno;
  let conn: DenoConn;
  try {
    conn = await deno.connect({ transport: "unix", path });
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

interface BunSocket {
  write(data: string): number;
  end(): void;
}

function bunRequest(path: string, line: string): Promise<string | undefined> {
  const bun = (globalThis as unknown as { Bun: { connect(options: object): Promise<BunSocket> } }).Bun;
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = "";
    bun.connect({
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

async function nodeRequest(path: string, line: string): Promise<string | undefined> {
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

/** Sends `line` (newline-terminated) and returns the first line of the answer, within `timeoutMs`. */
export async function requestLine(path: string, line: string, timeoutMs: number): Promise<string | undefined> {
  const global = globalThis as { Deno?: unknown; Bun?: unknown };
  const request = global.Deno !== undefined
    ? denoRequest(path, line)
    : global.Bun !== undefined
    ? bunRequest(path, line)
    : nodeRequest(path, line);
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
