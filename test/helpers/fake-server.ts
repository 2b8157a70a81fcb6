/**
 * A small scriptable HTTP(S) server on loopback for testing how a vault's HTTP client behaves when
 * the other end misbehaves: each request is recorded, then answered by a function that returns
 * what to do — answer (after a delay), redirect, answer an HTML page, hang forever, stream a huge
 * body, or forward to a real server (after a delay, even when the client has given up, as a
 * buffering proxy would).
 *
 *   const fake = await startFakeServer((request) => request.method === "POST" ? hang() : redirect(`${other.url}/x`));
 *   …
 *   expect(other.requests).toEqual([]);
 *   await fake.stop();
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeAnswer =
  /** An answer; `delayMs` waits before sending it. */
  | { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Never answers (the connection stays open until the client gives up or the server stops). */
  | { hang: true }
  /** A body of `bytes` bytes, streamed as fast as the client reads it. */
  | { hugeBody: number; status?: number; headers?: Record<string, string> }
  /** Sends the request on to `forward` (a base URL) after `delayMs`, even when the client has gone. */
  | { forward: string; delayMs?: number };

export type Responder = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeServer {
  /** `http://127.0.0.1:<port>` or `https://…`. */
  url: string;
  /** Every request received, in order of arrival. */
  requests: FakeRequest[];
  /** Body bytes written for `hugeBody` answers so far. */
  hugeBytesSent(): number;
  /** Requests forwarded (`forward`) that have been answered by the target. */
  forwarded(): Promise<void>;
  stop(): Promise<void>;
}

export const json = (value: unknown, status = 200): FakeAnswer => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

export const redirect = (location: string, status = 307): FakeAnswer => ({ status, headers: { location } });

/** What a proxy's sign-in page looks like to a client that expected JSON. */
export const html = (status = 200): FakeAnswer => ({
  status,
  headers: { "content-type": "text/html; charset=utf-8" },
  body: "<!doctype html><html><head><title>Sign in</title></head><body><form>Please sign in</form></body></html>",
});

export const hang = (): FakeAnswer => ({ hang: true });

export const hugeBody = (bytes: number, status = 500): FakeAnswer => ({ hugeBody: bytes, status });

export const forward = (target: string, delayMs = 0): FakeAnswer => ({ forward: target, delayMs });

const HOP_BY_HOP = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `bytes` of filler to `response` as fast as the client reads, reporting each piece to `sent`; stops when it goes. */
export async function streamHugeBody(response: ServerResponse, bytes: number, sent: (n: number) => void): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, "x");
  let left = bytes;
  while (left > 0 && !response.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    sent(piece.length);
    if (!response.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.on("drain", done);
        response.on("close", done);
      });
    }
  }
  if (!response.destroyed) response.end();
}

async function forwardRequest(target: string, request: FakeRequest): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (!HOP_BY_HOP.has(key) && typeof value === "string") headers[key] = value;
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const response = await fetch(`${target}${request.url}`, {
    method: request.method,
    headers,
    ...(hasBody ? { body: request.body } : {}),
  });
  const body = await response.text();
  return { status: response.status, headers: { "content-type": response.headers.get("content-type") ?? "text/plain" }, body };
}

export async function startFakeServer(respond: Responder, options: { tls?: { key: string; cert: string } } = {}): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const pendingForwards: Promise<unknown>[] = [];
  let hugeSent = 0;

  const handler = (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", async () => {
      const request = { method: incoming.method!, url: incoming.url!, headers: incoming.headers, body: Buffer.concat(chunks).toString() };
      requests.push(request);
      const answer = await respond(request);
      if ("hang" in answer) return;
      if ("hugeBody" in answer) {
        response.writeHead(answer.status ?? 500, { "content-type": "text/plain", ...answer.headers });
        await streamHugeBody(response, answer.hugeBody, (n) => (hugeSent += n));
        return;
      }
      if ("forward" in answer) {
        const done = sleep(answer.delayMs ?? 0).then(() => forwardRequest(answer.forward, request));
        pendingForwards.push(done.catch(() => {}));
        const reply = await done.catch(() => ({ status: 502, headers: {}, body: "bad gateway" }));
        if (!response.destroyed) response.writeHead(reply.status, reply.headers).end(reply.body);
        return;
      }
      if (answer.delayMs) await sleep(answer.delayMs);
      if (response.destroyed) return;
      response.writeHead(answer.status ?? 200, answer.headers).end(answer.body ?? "");
    });
  };

  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    hugeBytesSent: () => hugeSent,
    async forwarded() {
      await Promise.all(pendingForwards);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Certificate {
  /** The server's key and certificate (PEM), for `startFakeServer(…, { tls })`. */
  key: string;
  cert: string;
  /** The PEM file of the CA that signed it, for a client's `caFile`. */
  caFile: string;
  /** Removes the files. */
  remove(): void;
}

/**
 * A certificate for 127.0.0.1 and localhost signed by a throwaway CA, made with `openssl` (a CA
 * certificate used directly as a server's is refused by some runtimes' TLS, so there are two).
 */
export function testCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "sm-fake-tls-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=secretmanagement test CA",
    "-keyout", file("ca-key.pem"), "-out", file("ca.pem"));
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", file("key.pem"), "-out", file("csr.pem"));
  writeFileSync(file("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", file("csr.pem"), "-CA", file("ca.pem"), "-CAkey", file("ca-key.pem"), "-CAcreateserial",
    "-days", "2", "-extfile", file("ext.cnf"), "-out", file("cert.pem"));
  return {
    key: readFileSync(file("key.pem"), "utf8"),
    cert: readFileSync(file("cert.pem"), "utf8"),
    caFile: file("ca.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
