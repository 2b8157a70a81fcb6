/**
 * The Vault/OpenBao HTTP API over fetch (core/http.ts: timeouts, retries on network errors, 429 and
 * 5xx, never on other 4xx), with the token kept fresh: a token whose TTL runs low is renewed
 * (`renew-self`) while it is renewable, and AppRole/userpass log in again when it is not, or when
 * the server refuses it (403) and `lookup-self` shows it is no longer valid.
 */
import { SecretManagementError } from "../../core/errors.ts";
import { HttpClient, HttpStatusError, jsonBody, statusError } from "../../core/http.ts";
import type { JsonValue } from "../../core/types.ts";

export interface VaultReply {
  status: number;
  body: { data?: { [key: string]: JsonValue } | null; errors?: string[]; auth?: AuthBlock | null };
}

interface AuthBlock {
  client_token: string;
  lease_duration: number;
  renewable: boolean;
}

/** What a login gives: a token and, when it expires, its lease. */
export interface TokenLease {
  token: string;
  /** Seconds the token lived for when issued or last renewed; 0 = no expiry. */
  ttlSeconds: number;
  renewable: boolean;
}

export interface Authenticator {
  /** `token`, `approle` or `userpass`, named in errors. */
  readonly method: string;
  /** Whether a refused or expiring token can be replaced by logging in again. */
  readonly canLogin: boolean;
  /** Where the current token came from, for errors: "VAULT_TOKEN", "tokenFile /run/token", "approle login". */
  tokenSource(): string;
  login(client: VaultClient): Promise<TokenLease>;
}

export interface ClientOptions {
  address: string;
  namespace: string | undefined;
  timeoutMs: number;
  /** Requests in flight at once (core/http.ts ConcurrencyLimit). */
  maxConcurrent: number;
  auth: Authenticator;
  /** Extra RequestInit fields (the runtime's TLS options, see tls.ts). */
  extraInit: () => Promise<Record<string, unknown>>;
}

/** Renew (or log in again) when less than this share of the token's TTL is left. */
const RENEW_WHEN_LEFT = 1 / 3;

export class VaultClient {
  readonly #options: ClientOptions;
  readonly #http: HttpClient;
  #lease: TokenLease | undefined;
  #expiresAt = 0;
  #refreshing: Promise<void> | undefined;
  #extra: Promise<Record<string, unknown>> | undefined;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#http = new HttpClient({
      timeoutMs: options.timeoutMs,
      maxConcurrent: options.maxConcurrent,
    });
  }

  get address(): string {
    return this.#options.address;
  }

  /** Sends a request without a token (logins) or with the given one; no renewal, no re-login. */
  async send(method: string, path: string, body?: unknown, token?: string): Promise<VaultReply> {
    this.#extra ??= this.#options.extraInit().catch((error) => {
      this.#extra = undefined;
      throw error;
    });
    const headers: Record<string, string> = { accept: "application/json" };
    if (token !== undefined) headers["x-vault-token"] = token;
    if (this.#options.namespace) headers["x-vault-namespace"] = this.#options.namespace;
    if (body !== undefined) headers["content-type"] = "application/json";
    const init = {
      ...(await this.#extra),
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    } as RequestInit;
    // A repeated login only makes another token; a repeated write can land after a newer one.
    const write = method !== "GET" && !path.startsWith("auth/");
    const reply = await this.#http.request(`${this.#options.address}/v1/${path}`, init, { write });
    // Vault answers JSON or nothing; anything else is a proxy or a login page, never "not found".
    const parsed = jsonBody<VaultReply["body"]>(reply, `${method} ${this.#options.address}/v1/${path}`);
    return { status: reply.status, body: parsed };
  }

  /**
   * An authenticated request. 2xx and 404 are returned; a 403 for a token that is no longer valid gets
   * one fresh login where the method can log in, and is PERMISSION_DENIED naming where the token came
   * from where it cannot; what is still 403 is PERMISSION_DENIED naming the path; other statuses
   * become errors.
   */
  async call(method: string, path: string, body?: unknown): Promise<VaultReply> {
    const token = await this.token();
    let reply = await this.send(method, path, body, token);
    // Vault answers 403 both to a revoked or expired token and to a policy that forbids the call;
    // only the first is worth a new login (each login makes a token on the server).
    if (reply.status === 403 && !(await this.#isValid(token))) {
      if (!this.#options.auth.canLogin) throw this.#tokenRefused(reply);
      if (this.#lease?.token === token) this.#lease = undefined;
      reply = await this.send(method, path, body, await this.token());
    }
    if (reply.status === 404 || (reply.status >= 200 && reply.status < 300)) return reply;
    throw this.error(method, path, reply);
  }

  /** A static token the server no longer (or never) accepted: says where it came from, never the token. */
  #tokenRefused(reply: VaultReply): SecretManagementError {
    return new SecretManagementError(
      "PERMISSION_DENIED",
      `the Vault token from ${this.#options.auth.tokenSource()} was refused by ${this.#options.address}: it is invalid, ` +
        `expired or revoked (auth/token/lookup-self refuses it too)`,
      { cause: new HttpStatusError(reply.status, "auth/token/lookup-self", { errors: reply.body.errors ?? [] }) },
    );
  }

  async #isValid(token: string): Promise<boolean> {
    return (await this.send("GET", "auth/token/lookup-self", undefined, token)).status === 200;
  }

  /**
   * The error for a refused call; its cause, an HttpStatusError, keeps Vault's messages and the path
   * (kv.ts tells a check-and-set conflict by them, mod.ts a refusal of one path).
   */
  error(method: string, path: string, reply: VaultReply): SecretManagementError {
    const cause = new HttpStatusError(reply.status, path, { errors: reply.body.errors ?? [] });
    const where = `${method} ${this.#options.address}/v1/${path}`;
    if (reply.status === 403) {
      return statusError(
        cause,
        `permission denied: ${where} (the policies of the token from ${this.#options.auth.method} auth do not allow this)`,
      );
    }
    // A KV v2 mount upgrading its storage (just mounted, or reopened) answers 400 for a short while.
    const upgrading = cause.errors.some((error) => error.includes("Upgrading from non-versioned to versioned data"));
    return statusError(cause, `${where} failed with HTTP ${reply.status}: ${cause.message}`, upgrading ? "VAULT_UNAVAILABLE" : undefined);
  }

  /** The current token, logging in or renewing first when needed. */
  async token(): Promise<string> {
    if (this.#lease === undefined || this.#runningLow()) {
      this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
      await this.#refreshing;
    }
    return this.#lease!.token;
  }

  #runningLow(): boolean {
    const lease = this.#lease!;
    if (lease.ttlSeconds <= 0) return false;
    return this.#expiresAt - Date.now() < lease.ttlSeconds * 1000 * RENEW_WHEN_LEFT;
  }

  #setLease(lease: TokenLease): void {
    this.#lease = lease;
    this.#expiresAt = Date.now() + lease.ttlSeconds * 1000;
  }

  async #refresh(): Promise<void> {
    const auth = this.#options.auth;
    const lease = this.#lease;
    if (lease !== undefined && lease.renewable) {
      const reply = await this.send("POST", "auth/token/renew-self", {}, lease.token);
      const renewed = reply.body.auth;
      // A renewal capped by the token's max TTL is not worth keeping when a new login gives more.
      if (reply.status === 200 && renewed && (!auth.canLogin || renewed.lease_duration >= lease.ttlSeconds / 2)) {
        this.#setLease({ token: lease.token, ttlSeconds: renewed.lease_duration, renewable: renewed.renewable });
        return;
      }
    }
    if (lease !== undefined && !auth.canLogin) {
      // A static token that cannot be renewed is used until the server refuses it.
      this.#setLease({ ...lease, ttlSeconds: 0 });
      return;
    }
    this.#setLease(await auth.login(this));
  }

  /**
   * Logs in at `auth/<mount>/login…` and returns the token's lease. A refusal (400 or 403: Vault's
   * "invalid role or secret ID", "invalid username or password") is PERMISSION_DENIED saying the
   * login failed and what was refused (`refused`), never the secret sent.
   */
  async login(path: string, body: unknown, refused: string): Promise<TokenLease> {
    const reply = await this.send("POST", path, body);
    const auth = reply.body.auth;
    if (reply.status === 200 && typeof auth?.client_token !== "string") {
      throw new SecretManagementError(
        "VAULT_UNAVAILABLE",
        `POST ${this.#options.address}/v1/${path} answered success without a token: is something other than Vault answering?`,
      );
    }
    if (reply.status !== 200 || !auth) {
      const error = this.error("POST", path, reply);
      const vaultSays = (reply.body.errors ?? []).join("; ") || "no reason given";
      const denied = reply.status === 400 || reply.status === 403;
      const message = denied
        ? `${this.#options.auth.method} login failed: ${this.#options.address} refused ${refused} at ${path} (HTTP ${reply.status}: ${vaultSays})`
        : `${this.#options.auth.method} login failed: ${error.message}`;
      // 404: no auth method is enabled at that mount, a wrong parameter rather than a missing secret.
      const code = denied ? "PERMISSION_DENIED" : reply.status === 404 ? "INVALID_ARGUMENT" : error.code;
      throw new SecretManagementError(code, message, { cause: error.cause });
    }
    return { token: auth.client_token, ttlSeconds: auth.lease_duration, renewable: auth.renewable };
  }

  /** A static token's lease, learnt from `lookup-self` (unknown when the policy forbids it). */
  async lookup(token: string): Promise<TokenLease> {
    const reply = await this.send("GET", "auth/token/lookup-self", undefined, token);
    const data = reply.body.data;
    if (reply.status !== 200 || !data) return { token, ttlSeconds: 0, renewable: false };
    return { token, ttlSeconds: Number(data.ttl) || 0, renewable: data.renewable === true };
  }
}
