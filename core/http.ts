/**
 * HTTP for remote vaults over web-standard fetch, one `HttpClient` per vault instance:
 *
 * - a timeout per attempt and a deadline for the whole call (retries and waits included);
 * - retries with exponential backoff on network errors, 429 and 5xx (honouring Retry-After), never on
 *   other 4xx, whose answers are final. A write (`write: true`) is retried only when the server
 *   certainly did not act on it — a refused connection, 429 or 503 — because a write that timed out
 *   may still land later, after a newer write (see docs/readme/http-vaults.md);
 * - redirects followed by hand, and only within the origin the vault was configured with: a redirect
 *   to another host, port or scheme (https → http included) would carry the token and the secret
 *   there, so it is refused;
 * - at most `maxConcurrent` requests in flight; the others wait, so a burst reuses a few kept-alive
 *   connections instead of opening one socket each;
 * - bodies read with a cap (error bodies much smaller), so a hostile server cannot make us buffer
 *   hundreds of megabytes.
 *
 * What cannot be reached, or answers in a way no vault server would, is VAULT_UNAVAILABLE (the manager
 * names the vault, as it does for every error of a vault call).
 * What a server refuses is mapped to an error code once, here (`errorCodeForStatus`), with the answer
 * kept as an `HttpStatusError` cause that vaults inspect instead of parsing messages.
 */
import { joinBytes } from "./crypto/bytes.ts";
import { type ErrorCode, SecretManagementError } from "./errors.ts";

export interface HttpClientOptions {
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** For the whole call, retries and waits included. Default twice the per-attempt timeout. */
  deadlineMs?: number;
  /** Further attempts after the first. Default 3. */
  retries?: number;
  /** First backoff delay; doubles each time, with jitter. Default 200 ms. */
  backoffMs?: number;
  /** Longest wait honoured from Retry-After. Default 30 s. */
  maxDelayMs?: number;
  /** Requests in flight at once for this vault. Default 16. */
  maxConcurrent?: number;
}

export interface RequestOptions {
  /** Not safe to repeat blindly: retried only when the server certainly did not act on it. */
  write?: boolean;
  /** Largest successful body read; larger is VAULT_UNAVAILABLE. Default 64 MiB. */
  maxBodyBytes?: number;
}

export interface HttpReply {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The body as text; for answers of 300 and above only its first 64 KiB. */
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONCURRENT = 16;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
const ERROR_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Statuses that say the server did not act on the request, so even a write may be sent again. */
const NOT_ACTED_STATUS = new Set([429, 503]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), if any. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: `run` waits for a free slot, so at most `limit` tasks run at once. */
export class ConcurrencyLimit {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** A refused connection means nothing was sent; each runtime words it differently. */
function connectionRefused(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (code === "ECONNREFUSED" || code === "ConnectionRefused") return true;
    if (typeof message === "string" && /ECONNREFUSED|connection refused/i.test(message)) return true;
  }
  return false;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  if (failure?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  return failure?.cause?.code ?? failure?.message ?? "network error";
}

/** Reads at most `limit` bytes of a body; `undefined` when it is longer (the rest is not read). */
async function readCapped(response: Response, limit: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return joinBytes(chunks);
}

export class HttpClient {
  readonly timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxDelayMs: number;
  readonly #limit: ConcurrencyLimit;

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#deadlineMs = options.deadlineMs ?? 2 * this.timeoutMs;
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.backoffMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#limit = new ConcurrencyLimit(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  }

  #unavailable(message: string, cause?: unknown): SecretManagementError {
    return new SecretManagementError("VAULT_UNAVAILABLE", message, { cause });
  }

  /** Sends the request, retrying and following same-origin redirects as the module comment says. */
  async request(url: string | URL, init: RequestInit = {}, options: RequestOptions = {}): Promise<HttpReply> {
    const deadline = Date.now() + this.#deadlineMs;
    const origin = new URL(url).origin;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw this.#unavailable(`${origin} gave no usable answer within ${this.#deadlineMs} ms`);
      const timeoutMs = Math.min(this.timeoutMs, left);
      let reply: HttpReply | undefined;
      let failure: unknown;
      try {
        reply = await this.#limit.run(() => this.#attempt(new URL(url), init, timeoutMs, options.maxBodyBytes ?? DEFAULT_MAX_BODY));
      } catch (error) {
        if (error instanceof SecretManagementError) throw error;
        failure = error;
      }
      const retryable = reply
        ? (options.write ? NOT_ACTED_STATUS : RETRYABLE_STATUS).has(reply.status)
        : !options.write || connectionRefused(failure);
      if (reply && !retryable) return reply;
      if (!retryable || attempt >= this.#retries) {
        if (reply) return reply;
        const unknown = options.write && !connectionRefused(failure)
          ? "; the write may or may not have been applied, read the secret to find out"
          : "";
        throw this.#unavailable(`cannot reach ${origin}: ${describeFailure(failure, timeoutMs)}${unknown}`, failure);
      }
      const asked = reply ? retryAfterMs(reply.headers.get("retry-after")) : undefined;
      const backoff = this.#backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await sleep(Math.min(asked ?? backoff, this.#maxDelayMs, Math.max(0, deadline - Date.now())));
    }
  }

  async #attempt(url: URL, init: RequestInit, timeoutMs: number, maxBodyBytes: number): Promise<HttpReply> {
    const signal = AbortSignal.timeout(timeoutMs);
    let current = url;
    let currentInit: RequestInit = { ...init, redirect: "manual", signal };
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, currentInit);
      const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
      if (location === null) {
        const limit = response.status >= 300 ? ERROR_BODY_BYTES : maxBodyBytes;
        const bytes = await readCapped(response, limit);
        if (bytes === undefined && response.status < 300) {
          throw this.#unavailable(`${url.origin} answered with a body over ${limit} bytes`);
        }
        const text = new TextDecoder().decode(bytes ?? new Uint8Array(0));
        return { status: response.status, ok: response.ok, headers: response.headers, text };
      }
      await response.body?.cancel();
      const target = new URL(location, current);
      if (target.origin !== url.origin) {
        throw this.#unavailable(
          `${url.origin} redirected to ${target.origin}${target.pathname}: refusing to send credentials or values to ` +
            `another origin (or from https to http); if that is the right server, use its address in the vault's parameters`,
        );
      }
      if (hop >= MAX_REDIRECTS) throw this.#unavailable(`${url.origin} redirected more than ${MAX_REDIRECTS} times`);
      if (response.status === 303) currentInit = { ...currentInit, method: "GET", body: undefined };
      current = target;
    }
  }
}

/** The JSON body of a successful reply; anything else is VAULT_UNAVAILABLE (a proxy's login page, say). */
export function jsonBody<T>(reply: HttpReply, what: string): T {
  if (reply.text.trim() === "") return {} as T;
  try {
    return JSON.parse(reply.text) as T;
  } catch (error) {
    const type = reply.headers.get("content-type") ?? "no content type";
    throw new SecretManagementError(
      "VAULT_UNAVAILABLE",
      `${what} answered HTTP ${reply.status} with a body that is not JSON (${type}): is a proxy or login page in the way?`,
      { cause: error },
    );
  }
}

/**
 * What a vault server answered when a call failed: the status, the server's own error code where it
 * sends one (AWS's `ResourceNotFoundException`, Key Vault's `SecretNotFound`), its messages, and the
 * path or action called. It is the `cause` of the SecretManagementError a vault throws, so the vault
 * can tell cases apart (a check-and-set conflict, a refusal of one path) without reading messages.
 */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly serverCode: string | undefined;
  readonly errors: readonly string[];
  readonly path: string;

  constructor(status: number, path: string, details: { serverCode?: string; errors?: readonly string[] } = {}) {
    const errors = details.errors ?? [];
    super(errors.join("; ") || `HTTP ${status}`);
    this.name = "HttpStatusError";
    this.status = status;
    this.serverCode = details.serverCode;
    this.errors = errors;
    this.path = path;
  }
}

/**
 * The error code for a refused request: 401 and 403 PERMISSION_DENIED, 404 SECRET_NOT_FOUND, 409
 * SECRET_EXISTS, 429 and 5xx VAULT_UNAVAILABLE (the request may succeed later), any other
 * INVALID_ARGUMENT (the request itself is wrong and will stay so).
 */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return "PERMISSION_DENIED";
  if (status === 404) return "SECRET_NOT_FOUND";
  if (status === 409) return "SECRET_EXISTS";
  if (status === 429 || status >= 500) return "VAULT_UNAVAILABLE";
  return "INVALID_ARGUMENT";
}

/** The error a vault throws for a refused request; `code` overrides the status's where the server says more. */
export function statusError(
  cause: HttpStatusError,
  message: string,
  code: ErrorCode = errorCodeForStatus(cause.status),
): SecretManagementError {
  return new SecretManagementError(code, message, { cause });
}

/** The server's answer behind an error thrown by `statusError`, if that is what it is. */
export function httpStatusOf(error: unknown): HttpStatusError | undefined {
  const cause = error instanceof SecretManagementError ? error.cause : undefined;
  return cause instanceof HttpStatusError ? cause : undefined;
}
