/**
 * azure-keyvault: Azure Key Vault secrets over its REST API (api-version 7.5) with fetch, so it runs
 * on Node, Deno, Bun and edge runtimes. A write is a new version (PUT) whose `contentType` records
 * the value's type and whose `tags` hold the metadata (typed, see core/tags.ts). Bytes are stored as
 * base64 text. Removal is Key Vault's soft delete; `purge: true` also purges the deleted secret.
 * Names must match ^[0-9a-zA-Z-]+$ (Key Vault's rule); others are refused, never rewritten.
 *
 * A write is checked against Key Vault's limits (name, value size, tags) before the first request,
 * and a write that recovered a soft-deleted secret and then failed deletes it again: a failed write
 * never brings an old value back.
 */
import { base64ToBytes, bytesToBase64 } from "../../core/base64.ts";
import { secretFromJsonText, secretToJson } from "../../core/envelope.ts";
import { secretExists, SecretManagementError, secretNotFound, storeCorrupt } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { HttpClient, HttpStatusError, httpStatusOf, jsonBody, statusError } from "../../core/http.ts";
import { readParameters } from "../../core/parameters.ts";
import { metadataFromTags, metadataToTags, type Tags } from "../../core/tags.ts";
import { type Metadata, SECRET_TYPES, type SecretType, secretTypeOf, type SecretValue } from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";
import { createTokenSource } from "./auth.ts";

export const API_VERSION = "7.5";
const NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Key Vault's limits: tags per secret, tag name and value length, value size in bytes. */
const MAX_TAGS = 15;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;
const MAX_VALUE_BYTES = 25 * 1024;
/** Pages a listing follows at most (25 secrets each), so a server that never ends its links cannot hold us. */
export const MAX_PAGES = 10_000;

const PARAMETERS = {
  vaultUrl: { type: "string" },
  vaultName: { type: "string" },
  auth: { type: "choice", choices: ["client-secret", "managed-identity", "azure-cli"] },
  tenantId: { type: "string" },
  clientId: { type: "string" },
  clientSecretEnv: { type: "string" },
  clientSecret: { type: "reference" },
  authorityHost: { type: "string" },
  imdsEndpoint: { type: "string" },
  purge: { type: "boolean", default: false },
  timeout: { type: "number", min: 0.001, default: 30 },
  maxConcurrent: { type: "number", integer: true, min: 1, max: 1024, default: 16 },
} as const;

const SECRET_INSTEAD =
  "the environment variable named by clientSecretEnv (default AZURE_CLIENT_SECRET), or clientSecret as a secret://vault/name reference";
/** Parameters someone might put a secret in; the message says where it goes instead. */
const SECRET_PARAMETERS = {
  secret: SECRET_INSTEAD,
  client_secret: SECRET_INSTEAD,
  password: SECRET_INSTEAD,
  token: "one of the auth methods (client-secret, managed-identity, azure-cli): tokens are fetched, never stored",
  accessToken: "one of the auth methods (client-secret, managed-identity, azure-cli): tokens are fetched, never stored",
};

/** The contentType each of our types is stored with; any other contentType reads as a string. */
export const CONTENT_TYPES: Record<SecretType, string> = {
  string: "text/plain",
  bytes: "application/octet-stream; encoding=base64",
  credential: "application/vnd.secretmanagement.credential+json",
  map: "application/vnd.secretmanagement.map+json",
};

function typeOfContent(contentType: string | undefined): SecretType {
  const entry = Object.entries(CONTENT_TYPES).find(([, value]) => value === contentType);
  return (entry?.[0] as SecretType | undefined) ?? "string";
}

interface SecretBundle {
  id: string;
  value?: string;
  contentType?: string;
  tags?: Tags;
}

function encodeValue(value: SecretValue): string {
  const type = secretTypeOf(value);
  if (type === "string") return value as string;
  if (type === "bytes") return bytesToBase64(value as Uint8Array);
  return JSON.stringify(secretToJson(value).value);
}

function decodeValue(bundle: SecretBundle): SecretValue {
  const type = typeOfContent(bundle.contentType);
  const text = bundle.value ?? "";
  if (type === "string") return text;
  if (type === "bytes") {
    try {
      return base64ToBytes(text);
    } catch {
      throw storeCorrupt("a bytes secret", "it does not hold base64");
    }
  }
  return secretFromJsonText(type, text);
}

/** The secret name is the path segment after /secrets/ in an id. */
function nameOf(id: string): string {
  return new URL(id).pathname.split("/")[2] ?? id;
}

/** The status of Key Vault's refusal behind an error (404 not found, 409 a soft-deleted name), if any. */
const statusOf = (error: unknown): number | undefined => httpStatusOf(error)?.status;

function vaultBaseUrl(vaultUrl: string | undefined, keyVaultName: string | undefined): string {
  if (vaultUrl !== undefined) {
    if (URL.canParse(vaultUrl) && /^https?:$/.test(new URL(vaultUrl).protocol)) return vaultUrl.replace(/\/+$/, "");
    throw new SecretManagementError("INVALID_ARGUMENT", "parameter vaultUrl must be an http or https URL");
  }
  if (keyVaultName !== undefined && /^[0-9a-zA-Z-]{3,24}$/.test(keyVaultName)) return `https://${keyVaultName}.vault.azure.net`;
  throw new SecretManagementError(
    "INVALID_ARGUMENT",
    "azure-keyvault needs the vaultUrl parameter, or vaultName (3-24 letters, digits or -)",
  );
}

/** Byte length of `text` in UTF-8. */
const utf8Length = (text: string) => new TextEncoder().encode(text).length;

export default defineVault((context: VaultContext): VaultExtension => {
  const { vaultName } = context;
  const parameters = readParameters(vaultName, context.parameters, PARAMETERS, { secretKeys: SECRET_PARAMETERS });
  const base = vaultBaseUrl(parameters.vaultUrl, parameters.vaultName);
  const http = new HttpClient({
    timeoutMs: parameters.timeout * 1000,
    maxConcurrent: parameters.maxConcurrent,
  });
  const tokens = createTokenSource(context, parameters, http);
  const purge = parameters.purge;

  function checkName(name: string): void {
    if (!NAME.test(name)) {
      throw new SecretManagementError(
        "INVALID_ARGUMENT",
        `Key Vault secret names are letters, digits and "-" only; "${name}" is not one`,
      );
    }
  }

  /** Refuses, before any request, a write Key Vault would refuse. */
  function checkWrite(value: string, tags: Tags | undefined): void {
    const entries = Object.entries(tags ?? {});
    const problem = utf8Length(value) > MAX_VALUE_BYTES
      ? `Key Vault holds values up to ${MAX_VALUE_BYTES} bytes (as stored: bytes are base64, credentials and maps JSON)`
      : entries.length > MAX_TAGS
      ? `Key Vault holds at most ${MAX_TAGS} metadata entries (tags) per secret; ${entries.length} given`
      : entries.some(([key, tag]) => key.length > MAX_TAG_NAME || tag.length > MAX_TAG_VALUE)
      ? `Key Vault metadata keys are at most ${MAX_TAG_NAME} characters and values at most ${MAX_TAG_VALUE - 2}`
      : undefined;
    if (problem) throw new SecretManagementError("INVALID_ARGUMENT", problem);
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = path.startsWith("http") ? new URL(path) : new URL(`${base}${path}`);
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { authorization: `Bearer ${await tokens.token()}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await http.request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }, { write: method !== "GET" });
      // A token revoked or expired early: fetch a new one once.
      if (response.status === 401 && attempt === 0) {
        tokens.invalidate();
        continue;
      }
      const text = response.text;
      if (response.ok) return jsonBody<T>(response, `Key Vault ${method} ${url.pathname}`);
      let error: { code?: string; message?: string } = {};
      try {
        error = JSON.parse(text).error ?? {};
      } catch {
        // Not Key Vault's error body: the status alone has to do.
      }
      const code = error.code ?? `HTTP${response.status}`;
      const answer = new HttpStatusError(response.status, url.pathname, {
        serverCode: code,
        errors: [error.message ?? `HTTP ${response.status}`],
      });
      throw statusError(answer, `Key Vault ${method} ${url.pathname}: ${code}: ${answer.message}`);
    }
  }

  async function latest(name: string): Promise<SecretBundle | undefined> {
    try {
      return await request<SecretBundle>("GET", `/secrets/${name}`);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** PUT a version; a soft-deleted secret of that name is recovered first (Key Vault refuses with 409). */
  async function put(name: string, body: Record<string, unknown>): Promise<void> {
    try {
      await request("PUT", `/secrets/${name}`, body);
      return;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    await request("POST", `/deletedsecrets/${name}/recover`);
    // Recovery completes in the background; until then writes may still conflict.
    for (let attempt = 0; ; attempt++) {
      try {
        await request("PUT", `/secrets/${name}`, body);
        return;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt >= 10) {
          // Delete the recovered secret again, so that the failed write does not bring the old value back.
          await request("DELETE", `/secrets/${name}`).catch(() => undefined);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
      }
    }
  }

  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      if (!NAME.test(name)) return undefined;
      const bundle = await latest(name);
      return bundle && decodeValue(bundle);
    },

    async setSecret(name, value, metadata, options) {
      checkName(name);
      const type = secretTypeOf(value);
      const encoded = encodeValue(value);
      const tags = metadata === undefined ? undefined : metadataToTags(metadata, []);
      checkWrite(encoded, tags);
      const current = await latest(name);
      if (current && options?.noClobber) {
        throw secretExists(name);
      }
      // Tags belong to a version: carry the current ones over unless new metadata is given.
      await put(name, { value: encoded, contentType: CONTENT_TYPES[type], tags: tags ?? current?.tags ?? {} });
    },

    async removeSecret(name) {
      if (!NAME.test(name)) throw secretNotFound(name);
      try {
        await request("DELETE", `/secrets/${name}`);
      } catch (error) {
        if (statusOf(error) === 404) throw secretNotFound(name);
        throw error;
      }
      if (!purge) return;
      // The purge is refused (409) until the deletion has completed.
      for (let attempt = 0; ; attempt++) {
        try {
          await request("DELETE", `/deletedsecrets/${name}`);
          return;
        } catch (error) {
          if (statusOf(error) !== 409 || attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
        }
      }
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const infos: VaultSecretInfo[] = [];
      let next: string | undefined = "/secrets?maxresults=25";
      const followed = new Set<string>();
      while (next) {
        // A link seen before would repeat pages forever; so would a server whose links never end.
        if (followed.has(next) || followed.size >= MAX_PAGES) {
          throw new SecretManagementError(
            "VAULT_UNAVAILABLE",
            followed.has(next)
              ? "Key Vault's listing links back to a page it already gave; stopped"
              : `Key Vault's listing goes on past ${MAX_PAGES} pages; stopped`,
          );
        }
        followed.add(next);
        const page: { value?: SecretBundle[]; nextLink?: string | null } = await request("GET", next);
        for (const item of page.value ?? []) {
          const name = nameOf(item.id);
          if (!matches(name)) continue;
          infos.push({ name, type: typeOfContent(item.contentType), metadata: metadataFromTags(item.tags ?? {}, []) });
        }
        next = page.nextLink ?? undefined;
        // The bearer token goes with the next request: follow links to this vault only.
        if (next && new URL(next).origin !== new URL(base).origin) {
          throw new SecretManagementError("IO_ERROR", `Key Vault returned a nextLink to another host: ${new URL(next).origin}`);
        }
      }
      return infos;
    },

    async setSecretInfo(name, metadata: Metadata) {
      if (!NAME.test(name)) throw secretNotFound(name);
      const tags = metadataToTags(metadata, []);
      checkWrite("", tags);
      try {
        await request("PATCH", `/secrets/${name}/`, { tags });
      } catch (error) {
        if (statusOf(error) === 404) throw secretNotFound(name);
        throw error;
      }
    },

    async test() {
      await request("GET", "/secrets?maxresults=1");
      return true;
    },
  };
});
