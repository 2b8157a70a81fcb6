/**
 * HTTP for remote vaults over web-standard fetch: a timeout per attempt, and retries with
 * exponential backoff on network errors, 429 and 5xx (honouring Retry-After), never on other 4xx,
 * whose answers are final. What cannot be reached becomes VAULT_UNAVAILABLE.
 */
import { SecretManagementError } from "./errors.ts";

export interface RetryOptions {
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Further attempts after the first. Default 3. */
  retries?: number;
  /** First backoff delay; doubles each time, with jitter. Default 200 ms. */
  backoffMs?: number;
  /** Longest wait honoured from Retry-After. Default 30 s. */
  maxDelayMs?: number;
  /** Named in errors. */
  vault?: string;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

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

export async function fetchWithRetry(url: string | URL, init: RequestInit = {}, options: RetryOptions = {}): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const origin = new URL(url).origin;
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      failure = error;
    }
    if (response && !isRetryableStatus(response.status)) return response;
    if (attempt >= retries) {
      if (response) return response;
      const reason = (failure as Error)?.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : ((failure as { cause?: { code?: string } })?.cause?.code ?? (failure as Error)?.message ?? "network error");
      throw new SecretManagementError("VAULT_UNAVAILABLE", `cannot reach ${origin}: ${reason}`, {
        vault: options.vault,
        cause: failure,
      });
    }
    const asked = response ? retryAfterMs(response.headers.get("retry-after")) : undefined;
    await response?.body?.cancel();
    const backoff = backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
    await sleep(Math.min(asked ?? backoff, maxDelayMs));
  }
}
