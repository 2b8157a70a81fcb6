/**
 * Access tokens for Key Vault (resource https://vault.azure.net), from one of three sources, cached
 * until a minute before they expire:
 * - `client-secret`: the Microsoft identity platform's client-credentials grant; the secret comes from
 *   the environment variable named by `clientSecretEnv` (default AZURE_CLIENT_SECRET) or from a
 *   `secret://` reference in `clientSecret`.
 * - `managed-identity`: App Service's IDENTITY_ENDPOINT + IDENTITY_HEADER when set, else the instance
 *   metadata service (IMDS; `imdsEndpoint` overrides its address).
 * - `azure-cli`: `az account get-access-token`.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { VaultContext } from "../../core/extension.ts";
import { HttpClient, type HttpReply } from "../../core/http.ts";
import { runCommand } from "../../core/process.ts";
import { readSecret, type SecretSource } from "../../core/secret-source.ts";

export const VAULT_RESOURCE = "https://vault.azure.net";
const IMDS_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";
const REFRESH_MARGIN_MS = 60_000;

export type AuthMethod = "client-secret" | "managed-identity" | "azure-cli";

interface Token {
  value: string;
  expiresAt: number;
}

/** The vault parameters authentication uses, as core/parameters.ts read them at registration. */
export interface AuthParameters {
  auth: AuthMethod | undefined;
  tenantId: string | undefined;
  clientId: string | undefined;
  clientSecretEnv: string | undefined;
  /** A `secret://` reference (a literal is refused at registration). */
  clientSecret: string | undefined;
  authorityHost: string | undefined;
  imdsEndpoint: string | undefined;
}

export function authMethod(parameters: AuthParameters): AuthMethod {
  if (parameters.auth !== undefined) return parameters.auth;
  return parameters.clientSecret !== undefined || parameters.clientSecretEnv !== undefined ? "client-secret" : "azure-cli";
}

/** Seconds from now or an epoch time (number or numeric string), as an epoch in milliseconds. */
function expiry(expiresIn: unknown, expiresOn: unknown): number {
  const on = Number(expiresOn);
  if (expiresOn !== undefined && Number.isFinite(on)) return on * 1000;
  if (typeof expiresOn === "string" && !Number.isNaN(Date.parse(expiresOn))) return Date.parse(expiresOn);
  const seconds = Number(expiresIn);
  return Date.now() + (Number.isFinite(seconds) ? seconds : 300) * 1000;
}

export function createTokenSource(context: VaultContext, parameters: AuthParameters, http: HttpClient): {
  token(): Promise<string>;
  invalidate(): void;
} {
  const { runtime } = context;
  let cached: Token | undefined;
  let pending: Promise<Token> | undefined;
  const imds = new HttpClient({ timeoutMs: 5_000 });

  const denied = (what: string, cause?: unknown) =>
    new SecretManagementError("PERMISSION_DENIED", `azure-keyvault: ${what}`, { cause });

  function tokenFromResponse(response: HttpReply, source: string): Token {
    const text = response.text;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text);
    } catch {
      // Reported below with the status.
    }
    if (!response.ok || typeof body.access_token !== "string") {
      // Identity errors carry a code and a description, never the client secret.
      const reason = [body.error, body.error_description].filter((part) => typeof part === "string").join(": ");
      throw denied(`${source} refused a token (HTTP ${response.status}${reason ? `, ${reason}` : ""})`);
    }
    return { value: body.access_token, expiresAt: expiry(body.expires_in, body.expires_on) };
  }

  async function clientSecret(): Promise<string> {
    const source: SecretSource = parameters.clientSecret !== undefined
      ? { reference: parameters.clientSecret }
      : { env: parameters.clientSecretEnv ?? "AZURE_CLIENT_SECRET" };
    return (await readSecret(context, "Azure client secret", [source], ["clientSecret"])).value;
  }

  async function fromClientSecret(): Promise<Token> {
    const tenantId = parameters.tenantId ?? runtime.env("AZURE_TENANT_ID");
    const clientId = parameters.clientId ?? runtime.env("AZURE_CLIENT_ID");
    if (!tenantId || !clientId) {
      throw new SecretManagementError("INVALID_ARGUMENT", "azure-keyvault client-secret auth needs tenantId and clientId");
    }
    const authority = parameters.authorityHost ?? "https://login.microsoftonline.com";
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: await clientSecret(),
      scope: `${VAULT_RESOURCE}/.default`,
    });
    const url = `${authority.replace(/\/$/, "")}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    // A token request changes nothing on the server, so it may be sent again.
    const response = await http.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    return tokenFromResponse(response, "the identity platform");
  }

  async function fromManagedIdentity(): Promise<Token> {
    const clientId = parameters.clientId;
    const identityEndpoint = runtime.env("IDENTITY_ENDPOINT");
    const identityHeader = runtime.env("IDENTITY_HEADER");
    let url: URL;
    let headers: Record<string, string>;
    if (identityEndpoint && identityHeader) {
      url = new URL(identityEndpoint);
      url.searchParams.set("api-version", "2019-08-01");
      headers = { "x-identity-header": identityHeader };
    } else {
      url = new URL(parameters.imdsEndpoint ?? IMDS_ENDPOINT);
      url.searchParams.set("api-version", "2018-02-01");
      headers = { metadata: "true" };
    }
    url.searchParams.set("resource", VAULT_RESOURCE);
    if (clientId) url.searchParams.set("client_id", clientId);
    // Off Azure the endpoint does not exist: find out in seconds, not the vault's timeout.
    const response = await imds.request(url, { headers });
    return tokenFromResponse(response, "the managed identity endpoint");
  }

  async function fromAzureCli(): Promise<Token> {
    const args = ["account", "get-access-token", "--resource", VAULT_RESOURCE, "--output", "json"];
    const tenantId = parameters.tenantId;
    if (tenantId) args.push("--tenant", tenantId);
    const result = await runCommand(runtime, "az", args);
    if (result.code !== 0) {
      throw denied(`"az account get-access-token" failed (run "az login"): ${result.stderr.trim().split("\n")[0] ?? ""}`);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(result.stdout);
    } catch (error) {
      throw denied('"az account get-access-token" printed no JSON', error);
    }
    if (typeof body.accessToken !== "string") throw denied('"az account get-access-token" printed no accessToken');
    // `expires_on` (epoch seconds) in newer az; `expiresOn` (local time text) in older ones.
    return { value: body.accessToken, expiresAt: expiry(undefined, body.expires_on ?? body.expiresOn) };
  }

  const acquire = { "client-secret": fromClientSecret, "managed-identity": fromManagedIdentity, "azure-cli": fromAzureCli }[
    authMethod(parameters)
  ];

  return {
    async token() {
      if (cached && cached.expiresAt - REFRESH_MARGIN_MS > Date.now()) return cached.value;
      pending ??= acquire().finally(() => (pending = undefined));
      cached = await pending;
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
