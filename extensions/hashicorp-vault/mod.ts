/**
 * hashicorp-vault: HashiCorp Vault and OpenBao KV secrets engines (v1 and v2) over their HTTP API
 * with fetch only, so it runs on Node, Deno, Bun and edge runtimes.
 *
 * A secret name is a path under `mount` (default `secret`, never the vault's registration name) and
 * `pathPrefix`; names are case-sensitive because Vault paths are. Values are stored as readable
 * fields (values.ts), the type and metadata beside them (kv.ts). Listing walks the folders with
 * `?list=true` a few at a time, then reads each matching key's metadata (KV v2) or data (KV v1):
 * one read per listed secret, never the values on v2 except for secrets another tool wrote without
 * our type.
 */
import { secretExists, SecretManagementError, secretNotFound } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { metadataFromTags } from "../../core/tags.ts";
import { DEFAULT_MAX_CONCURRENT, DEFAULT_TIMEOUT_MS, httpStatusOf } from "../../core/http.ts";
import { type ParameterSchema, readParameters } from "../../core/parameters.ts";
import { type JsonValue, SECRET_TYPES, secretTypeOf } from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";
import { type AuthMethod, createAuthenticator } from "./auth.ts";
import { VaultClient } from "./client.ts";
import { type KvEngine, kvV1, kvV2, kvV2Destroying, tagsFor } from "./kv.ts";
import { tlsInit } from "./tls.ts";
import { inferType, RESERVED_KEYS, valueFromData, valueToData } from "./values.ts";

/** Every parameter; anything else is refused at registration, listing these. */
const PARAMETERS = {
  address: { type: "string", env: ["VAULT_ADDR", "BAO_ADDR"] },
  mount: { type: "string", default: "secret" },
  kvVersion: { type: "choice", choices: [1, 2, "auto"], default: "auto" },
  namespace: { type: "string" },
  pathPrefix: { type: "string" },
  auth: { type: "string", choices: ["token", "approle", "userpass"], default: "token" },
  authMount: { type: "string" },
  tokenFile: { type: "string" },
  roleIdEnv: { type: "string", default: "VAULT_ROLE_ID" },
  roleIdFile: { type: "string" },
  secretIdEnv: { type: "string", default: "VAULT_SECRET_ID" },
  secretIdFile: { type: "string" },
  username: { type: "string" },
  passwordEnv: { type: "string" },
  caFile: { type: "string" },
  /** Seconds per HTTP attempt; a call (its retries included) gets twice that in all. */
  timeout: { type: "number", default: DEFAULT_TIMEOUT_MS / 1000, min: 0.1 },
  /** Requests in flight at once to this vault; the others wait for a free connection. */
  maxConcurrent: { type: "number", default: DEFAULT_MAX_CONCURRENT, integer: true, min: 1, max: 1024 },
  destroy: { type: "boolean", default: false },
} as const satisfies ParameterSchema;

/** Parameters someone might try to put a secret in; the message says where it goes instead. */
const SECRET_PARAMETERS: Record<string, string> = {
  token: "VAULT_TOKEN/BAO_TOKEN or tokenFile",
  password: "the env var named by passwordEnv, or the prompt",
  secretId: "the env var named by secretIdEnv, or secretIdFile",
  secret_id: "the env var named by secretIdEnv, or secretIdFile",
};

/** Folders listed at once during a listing, and metadata reads in flight at once. */
const CONCURRENCY = 8;

function invalid(message: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", message);
}

/** "a/b c" → "a/b%20c": each segment encoded, empty, "." and ".." segments refused. */
function encodePath(path: string): string | undefined {
  const segments = path.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) return undefined;
  return segments.map(encodeURIComponent).join("/");
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export default defineVault((context: VaultContext): VaultExtension => {
  const { runtime, vaultName: vault } = context;
  const parameters = readParameters(vault, context.parameters, PARAMETERS, {
    secretKeys: SECRET_PARAMETERS,
    env: (name) => runtime.env(name),
  });
  const address = parameters.address?.replace(/\/+$/, "");
  if (!address) throw invalid("hashicorp-vault needs the address parameter (or VAULT_ADDR / BAO_ADDR)");
  if (!/^https?:\/\/[^/]+$/.test(address)) throw invalid(`address must be http(s)://host[:port], not ${address}`);
  const mountName = parameters.mount.replace(/^\/+|\/+$/g, "");
  const mount = encodePath(mountName);
  if (mount === undefined) throw invalid(`invalid mount ${mountName}`);
  const prefixText = (parameters.pathPrefix ?? "").replace(/^\/+|\/+$/g, "");
  if (prefixText !== "" && encodePath(prefixText) === undefined) throw invalid(`invalid pathPrefix ${prefixText}`);
  const pathPrefix = prefixText === "" ? "" : `${prefixText}/`;
  const { kvVersion, caFile } = parameters;

  const client = new VaultClient({
    address,
    namespace: parameters.namespace,
    timeoutMs: parameters.timeout * 1000,
    maxConcurrent: parameters.maxConcurrent,
    auth: createAuthenticator(context, { ...parameters, auth: parameters.auth as AuthMethod }),
    extraInit: async () => (caFile === undefined ? {} : await tlsInit(runtime, caFile)),
  });

  async function detectVersion(): Promise<1 | 2> {
    if (kvVersion !== "auto") return Number(kvVersion) as 1 | 2;
    const path = `sys/internal/ui/mounts/${mount}`;
    let reply;
    try {
      reply = await client.call("GET", path);
    } catch (error) {
      // Only a refusal of this path is about the KV version; a failed login or a refused token says so itself.
      const refusedHere = error instanceof SecretManagementError && error.code === "PERMISSION_DENIED" &&
        httpStatusOf(error)?.path === path;
      if (!refusedHere) throw error;
      throw new SecretManagementError(
        "PERMISSION_DENIED",
        `cannot read the KV version of mount "${mountName}" (${error.message}); set the kvVersion parameter to 1 or 2`,
        { cause: error },
      );
    }
    const data = reply.body.data;
    if (reply.status !== 404 && !data) {
      throw new SecretManagementError(
        "VAULT_UNAVAILABLE",
        `GET ${address}/v1/${path} answered success without the mount's data: is something other than Vault answering?`,
      );
    }
    if (reply.status === 404 || !data || (data.type !== "kv" && data.type !== "generic")) {
      throw new SecretManagementError("INVALID_ARGUMENT", `"${mountName}" is not a KV secrets engine mount at ${address}`);
    }
    const options = data.options as { version?: JsonValue } | null | undefined;
    return options?.version === "2" ? 2 : 1;
  }

  let engine: Promise<KvEngine> | undefined;
  function kv(): Promise<KvEngine> {
    engine ??= detectVersion().then((version) => {
      if (version === 1) return kvV1(client, mount!);
      return parameters.destroy ? kvV2Destroying(client, mount!) : kvV2(client, mount!);
    }).catch((error) => {
      engine = undefined;
      throw error;
    });
    return engine;
  }

  /** The encoded path of a secret name under the prefix; INVALID_ARGUMENT for names Vault cannot hold. */
  function pathOf(name: string): string {
    const path = encodePath(pathPrefix + name);
    if (path === undefined) {
      throw invalid(`secret name "${name}" cannot be a Vault path: no leading, trailing or double "/", no "." or ".." parts`);
    }
    return path;
  }

  /** Where a name lives, for errors: the path as the user knows it (unencoded). */
  const at = (name: string) => `at ${mountName}/${pathPrefix}${name}`;
  const notFound = (name: string) => secretNotFound(name, { where: at(name) });

  /** Names under the prefix whose path can match `filter`, walking only folders that can hold one. */
  async function listNames(filter: string, store: KvEngine): Promise<string[]> {
    const matches = compileWildcard(filter, { caseSensitive: true }); // Vault paths are case-sensitive
    const literal = /^[^*?]*/.exec(filter)![0];
    const mayHold = (folder: string) => literal.startsWith(folder) || folder.startsWith(literal);
    const names: string[] = [];
    let level = [""];
    while (level.length > 0) {
      const listed = await mapLimited(level, CONCURRENCY, async (folder) => {
        const encoded = folder === "" ? (pathPrefix === "" ? "" : `${encodePath(prefixText)}/`) : `${pathOf(folder.slice(0, -1))}/`;
        return (await store.list(encoded)).map((key) => folder + key);
      });
      level = [];
      for (const key of listed.flat()) {
        if (key.endsWith("/")) {
          if (mayHold(key)) level.push(key);
        } else if (matches(key)) {
          names.push(key);
        }
      }
    }
    return names;
  }

  async function info(name: string, store: KvEngine): Promise<VaultSecretInfo | undefined> {
    const described = await store.describe(pathOf(name));
    if (!described) return undefined;
    const type = described.type ?? inferType((await store.read(pathOf(name)))?.data ?? {});
    return { name, type, metadata: metadataFromTags(described.tags, RESERVED_KEYS) };
  }

  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      const path = encodePath(pathPrefix + name);
      if (path === undefined) return undefined;
      const stored = await (await kv()).read(path);
      return stored && valueFromData(stored.data, stored.type);
    },

    async setSecret(name, value, metadata, options) {
      const type = secretTypeOf(value);
      const data = valueToData(type, value);
      const tags = metadata === undefined ? undefined : tagsFor(metadata);
      if (!(await (await kv()).write(pathOf(name), data, type, tags, options?.noClobber === true))) throw secretExists(name, at(name));
    },

    async removeSecret(name) {
      const path = encodePath(pathPrefix + name);
      if (path === undefined || !(await (await kv()).remove(path))) throw notFound(name);
    },

    async getSecretInfo(filter) {
      const store = await kv();
      const literal = !filter.includes("*") && !filter.includes("?");
      if (literal) {
        if (encodePath(pathPrefix + filter) === undefined) return [];
        const found = await info(filter, store);
        return found ? [found] : [];
      }
      const names = await listNames(filter, store);
      const infos = await mapLimited(names, CONCURRENCY, (name) => info(name, store));
      return infos.filter((item): item is VaultSecretInfo => item !== undefined);
    },

    async setSecretInfo(name, metadata) {
      const path = encodePath(pathPrefix + name);
      if (path === undefined || !(await (await kv()).setTags(path, tagsFor(metadata)))) throw notFound(name);
    },

    async test() {
      await client.token();
      await kv();
      return true;
    },
  };
});
