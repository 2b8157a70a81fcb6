/**
 * core/http.ts fetchWithRetry against a tiny local node:http server that answers from a script of
 * statuses: retries on 503/429 (honouring Retry-After), never on other 4xx, gives up after the
 * configured retries, and turns an unreachable or silent server into VAULT_UNAVAILABLE.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithRetry, retryAfterMs } from "../core/http.ts";
import { freePort } from "./helpers/ports.ts";

interface Step {
  status: number;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delay?: number;
}

let server: Server;
let base = "";
let script: Step[] = [];
let hits: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(Date.now());
    const step = script.shift() ?? { status: 200 };
    setTimeout(() => {
      response.writeHead(step.status, { "content-type": "text/plain", ...step.headers });
      response.end(`status ${step.status}`);
    }, step.delay ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function play(steps: Step[]): void {
  script = steps;
  hits = [];
}

describe("fetchWithRetry", () => {
  it("retries 503 and 429 and returns the first success", async () => {
    play([{ status: 503 }, { status: 429, headers: { "retry-after": "0" } }, { status: 200 }]);
    const response = await fetchWithRetry(base, {}, { backoffMs: 5 });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("status 200");
    expect(hits).toHaveLength(3);
  });

  it("never retries another 4xx: the answer is final", async () => {
    for (const status of [400, 403, 404]) {
      play([{ status }, { status: 200 }]);
      const response = await fetchWithRetry(base, {}, { backoffMs: 5 });
      expect(response.status).toBe(status);
      await response.body?.cancel();
      expect(hits).toHaveLength(1);
    }
  });

  it("waits as long as Retry-After asks", async () => {
    play([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    const response = await fetchWithRetry(base, {}, { backoffMs: 5 });
    expect(response.status).toBe(200);
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(950);
  });

  it("caps Retry-After at maxDelayMs", async () => {
    play([{ status: 503, headers: { "retry-after": "3600" } }, { status: 200 }]);
    const response = await fetchWithRetry(base, {}, { backoffMs: 5, maxDelayMs: 20 });
    expect(response.status).toBe(200);
    expect(hits[1]! - hits[0]!).toBeLessThan(1000);
  });

  it("returns the last 5xx once the retries are spent", async () => {
    play([{ status: 502 }, { status: 503 }, { status: 500 }]);
    const response = await fetchWithRetry(base, {}, { backoffMs: 5, retries: 2 });
    expect(response.status).toBe(500);
    await response.body?.cancel();
    expect(hits).toHaveLength(3);
  });

  it("turns a refused connection into VAULT_UNAVAILABLE naming the origin and the vault", async () => {
    const port = await freePort();
    const error = await fetchWithRetry(`http://127.0.0.1:${port}/v1/x`, {}, { backoffMs: 5, retries: 1, vault: "v" })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "v" });
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it("turns a server that does not answer in time into VAULT_UNAVAILABLE", async () => {
    play([{ status: 200, delay: 500 }, { status: 200, delay: 500 }]);
    const error = await fetchWithRetry(base, {}, { backoffMs: 5, retries: 1, timeoutMs: 100 }).catch((e) => e);
    expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
    expect(error.message).toContain("no answer within 100 ms");
    expect(hits).toHaveLength(2);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMs("Tue, 01 Jan 2030 00:00:05 GMT", now)).toBe(5000);
  });
});
