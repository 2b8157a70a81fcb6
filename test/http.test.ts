/**
 * core/http.ts HttpClient against tiny local node:http servers that answer from a script: retries
 * (never a write whose outcome is unknown), the per-attempt timeout and the whole-call deadline,
 * redirects only within the origin, the concurrency cap, capped bodies, and non-JSON answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient, jsonBody, retryAfterMs } from "../core/http.ts";
import { freePort } from "./helpers/ports.ts";

interface Step {
  status: number;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delay?: number;
  body?: string;
}

interface Hit {
  at: number;
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function recorder(hits: Hit[], answer: (hit: Hit, response: ServerResponse) => void) {
  return (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const hit = { at: Date.now(), method: request.method!, url: request.url!, headers: request.headers, body };
      hits.push(hit);
      answer(hit, response);
    });
  };
}

let main: Server;
let base = "";
let script: Step[] = [];
let hits: Hit[] = [];
let inFlight = 0;
let peakInFlight = 0;

beforeAll(async () => {
  ({ server: main, base } = await listen(recorder(hits, (_hit, response) => {
    const step = script.shift() ?? { status: 200 };
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    response.once("close", () => inFlight--); // answered, or given up by a client that timed out
    setTimeout(() => {
      if (response.destroyed) return;
      response.writeHead(step.status, { "content-type": "text/plain", ...step.headers });
      response.end(step.body ?? `status ${step.status}`);
    }, step.delay ?? 0);
  })));
});

afterAll(() => close(main));

function play(steps: Step[]): void {
  script = steps;
  hits.length = 0;
  peakInFlight = 0;
}

const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ backoffMs: 5, ...options });

describe("HttpClient", () => {
  it("retries 503 and 429 and returns the first success", async () => {
    play([{ status: 503 }, { status: 429, headers: { "retry-after": "0" } }, { status: 200 }]);
    const reply = await client().request(base);
    expect(reply).toMatchObject({ status: 200, ok: true, text: "status 200" });
    expect(hits).toHaveLength(3);
  });

  it("never retries another 4xx: the answer is final", async () => {
    for (const status of [400, 403, 404]) {
      play([{ status }, { status: 200 }]);
      expect((await client().request(base)).status).toBe(status);
      expect(hits).toHaveLength(1);
    }
  });

  it("waits as long as Retry-After asks, capped at maxDelayMs", async () => {
    play([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    expect((await client().request(base)).status).toBe(200);
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(950);
    play([{ status: 503, headers: { "retry-after": "3600" } }, { status: 200 }]);
    expect((await client({ maxDelayMs: 20 }).request(base)).status).toBe(200);
    expect(hits).toHaveLength(2);
  });

  it("returns the last 5xx once the retries are spent", async () => {
    play([{ status: 502 }, { status: 503 }, { status: 500 }]);
    expect((await client({ retries: 2 }).request(base)).status).toBe(500);
    expect(hits).toHaveLength(3);
  });

  it("turns a refused connection into VAULT_UNAVAILABLE naming the origin (the manager attaches the vault)", async () => {
    const port = await freePort();
    const error = await client({ retries: 1 }).request(`http://127.0.0.1:${port}/v1/x`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it("retries a read that timed out, and stops at the whole-call deadline", async () => {
    // A second apart, so that a loaded machine's slow connect or late timer cannot merge the attempts.
    play(Array.from({ length: 20 }, () => ({ status: 200, delay: 4_000 })));
    const error = await client({ retries: 10, timeoutMs: 1_000, deadlineMs: 2_500 }).request(base).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
    expect(hits.length).toBeGreaterThanOrEqual(2);
    expect(hits.length).toBeLessThanOrEqual(3);
  });

  it("never repeats a write that timed out: its outcome is unknown, and a late copy could land after a newer write", async () => {
    play([{ status: 200, delay: 2_000 }, { status: 200 }]);
    const error = await client({ timeoutMs: 1_000 }).request(base, { method: "POST", body: "A" }, { write: true })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
    expect((error as Error).message).toContain("may or may not have been applied");
    await new Promise((resolve) => setTimeout(resolve, 500)); // a retry would have come after ~5 ms of backoff
    expect(hits).toHaveLength(1);
  });

  it("repeats a write only after an answer that says nothing was done (429, 503), never after 500/502/504", async () => {
    play([{ status: 503 }, { status: 429 }, { status: 204 }]);
    expect((await client().request(base, { method: "POST", body: "x" }, { write: true })).status).toBe(204);
    expect(hits.map((hit) => hit.body)).toEqual(["x", "x", "x"]);
    for (const status of [500, 502, 504]) {
      play([{ status }, { status: 204 }]);
      expect((await client().request(base, { method: "POST", body: "x" }, { write: true })).status).toBe(status);
      expect(hits).toHaveLength(1);
    }
  });

  it("keeps at most maxConcurrent requests in flight", async () => {
    play(Array.from({ length: 40 }, () => ({ status: 200, delay: 20 })));
    const http = client({ maxConcurrent: 4 });
    const replies = await Promise.all(Array.from({ length: 40 }, () => http.request(base)));
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    expect(hits).toHaveLength(40);
    expect(peakInFlight).toBeLessThanOrEqual(4);
    expect(peakInFlight).toBeGreaterThanOrEqual(2);
  });

  it("reads at most 64 KiB of an error body, and refuses a success body over the cap", async () => {
    play([{ status: 500, body: "e".repeat(1_000_000) }]);
    const reply = await client({ retries: 0 }).request(base);
    expect(reply.status).toBe(500);
    expect(reply.text).toBe("");
    play([{ status: 500, body: "short error" }]);
    expect((await client({ retries: 0 }).request(base)).text).toBe("short error");
    play([{ status: 200, body: "x".repeat(2048) }]);
    const error = await client().request(base, {}, { maxBodyBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMs("Tue, 01 Jan 2030 00:00:05 GMT", now)).toBe(5000);
  });
});

describe("HttpClient redirects", () => {
  it("follows a redirect within the origin, keeping method, body and headers", async () => {
    const seen: Hit[] = [];
    const { server, base: origin } = await listen(recorder(seen, (hit, response) => {
      if (hit.url === "/old") response.writeHead(307, { location: "/new" }).end();
      else response.writeHead(200).end("moved here");
    }));
    try {
      const reply = await client().request(`${origin}/old`, { method: "POST", body: "v", headers: { "x-token": "t" } }, { write: true });
      expect(reply.text).toBe("moved here");
      expect(seen.map((hit) => [hit.method, hit.url, hit.body, hit.headers["x-token"]])).toEqual([
        ["POST", "/old", "v", "t"],
        ["POST", "/new", "v", "t"],
      ]);
    } finally {
      await close(server);
    }
  });

  it("refuses a redirect to another origin: the token and the body never reach it", async () => {
    const stolen: Hit[] = [];
    const { server: thief, base: thiefBase } = await listen(recorder(stolen, (_hit, response) => response.writeHead(200).end("{}")));
    const { server, base: origin } = await listen((_request, response) => {
      response.writeHead(307, { location: `${thiefBase}/v1/secret/data/x` }).end();
    });
    try {
      for (const write of [true, false]) {
        const error = await client().request(`${origin}/v1/secret/data/x`, {
          method: "POST",
          body: "the-secret-value",
          headers: { "x-vault-token": "the-token" },
        }, { write }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
        expect((error as Error).message).toContain(thiefBase);
        expect((error as Error).message).not.toContain("the-token");
      }
      expect(stolen).toHaveLength(0);
    } finally {
      await close(server);
      await close(thief);
    }
  });

  it("stops a redirect loop", async () => {
    const { server, base: origin } = await listen((request, response) => {
      response.writeHead(302, { location: request.url === "/a" ? "/b" : "/a" }).end();
    });
    try {
      const error = await client().request(`${origin}/a`).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect((error as Error).message).toContain("redirected more than");
    } finally {
      await close(server);
    }
  });
});

describe("jsonBody", () => {
  it("treats an HTML page (a proxy's login page) as VAULT_UNAVAILABLE, not as data", () => {
    const reply = { status: 200, ok: true, headers: new Headers({ "content-type": "text/html" }), text: "<html>login</html>" };
    expect(() => jsonBody(reply, "GET x")).toThrow(expect.objectContaining({ code: "VAULT_UNAVAILABLE" }));
    expect(jsonBody({ ...reply, text: '{"a":1}' }, "GET x")).toEqual({ a: 1 });
    expect(jsonBody({ ...reply, text: "" }, "GET x")).toEqual({});
  });
});
