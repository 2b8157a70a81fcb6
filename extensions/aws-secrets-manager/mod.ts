/**
 * aws-secrets-manager: AWS Secrets Manager over its JSON 1.1 API (`X-Amz-Target: secretsmanager.X`),
 * signed with SigV4 over @noble/hashes and sent with fetch, so it runs on Node, Deno, Bun and edge.
 *
 * Values: string → SecretString; bytes → SecretBinary; credential and map → JSON in SecretString.
 * The value's type is kept in the tag `secretmanagement:type`; other tags are the metadata (typed,
 * see core/tags.ts). Names are case-sensitive, as AWS makes them. Removal schedules deletion
 * (`recoveryWindowDays`, default 30) unless `forceDelete` is true; a secret scheduled for deletion
 * reads as missing, and setting it again restores it first.
 */
import { base64ToBytes, bytesToBase64 } from "../../core/base64.ts";
import { secretFromJsonText, secretToJson } from "../../core/envelope.ts";
import { type ErrorCode, SecretManagementError } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { HttpClient, jsonBody } from "../../core/http.ts";
import { metadataFromTags, metadataToTags, type Tags } from "../../core/tags.ts";
import {
  isCredential,
  type Metadata,
  SECRET_TYPES,
  type SecretType,
  secretTypeOf,
  type SecretValue,
} from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";
import { loadCredentials } from "./credentials.ts";
import { type AwsCredentials, signRequest } from "./sigv4.ts";

export const TYPE_TAG = "secretmanagement:type";
/** Actions that change nothing, so a timed-out one may be sent again. */
const READ_ACTIONS = new Set(["GetSecretValue", "DescribeSecret", "ListSecrets", "BatchGetSecretValue"]);
/** AWS's rule for secret names; checked here because local servers such as moto do not. */
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const RESERVED = [TYPE_TAG];

interface AwsTag {
  Key: string;
  Value: string;
}

interface SecretDescription {
  Name: string;
  Tags?: AwsTag[];
  DeletedDate?: number | null;
}

interface SecretValueResponse {
  SecretString?: string;
  SecretBinary?: string;
}

/** What AWS answered when a call failed: its error type (`ResourceNotFoundException`, …) and status. */
export class AwsApiError extends Error {
  constructor(readonly type: string, readonly status: number, message: string) {
    super(message);
    this.name = "AwsApiError";
  }
}

const AUTH_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "InvalidClientTokenId",
  "MissingAuthenticationToken",
  "ExpiredTokenException",
  "AccessDeniedException",
  "AccessDenied",
]);

function codeFor(error: AwsApiError): ErrorCode {
  if (error.type === "ResourceNotFoundException") return "SECRET_NOT_FOUND";
  if (error.type === "ResourceExistsException") return "SECRET_EXISTS";
  if (AUTH_ERRORS.has(error.type) || error.status === 401 || error.status === 403) return "PERMISSION_DENIED";
  if (error.status >= 500) return "VAULT_UNAVAILABLE";
  return "INVALID_ARGUMENT";
}

const typeOf = (error: unknown): string | undefined =>
  ((error as { cause?: unknown })?.cause as AwsApiError | undefined)?.type;

function tagsRecord(tags: AwsTag[] | undefined): Tags {
  const record: Tags = {};
  for (const tag of tags ?? []) record[tag.Key] = tag.Value;
  return record;
}

function storedType(tags: Tags): SecretType {
  const type = tags[TYPE_TAG] as SecretType | undefined;
  return type && SECRET_TYPES.includes(type) ? type : "string";
}

/** A literal name prefix AWS's `name` filter accepts, to narrow a listing before wildcard matching. */
function listingPrefix(filter: string): string | undefined {
  const prefix = /^[^*?]*/.exec(filter)![0];
  return /^[A-Za-z0-9/_+=.@-]+$/.test(prefix) ? prefix : undefined;
}

function valueFields(value: SecretValue): { SecretString: string } | { SecretBinary: string } {
  if (value instanceof Uint8Array) return { SecretBinary: bytesToBase64(value) };
  if (typeof value === "string") return { SecretString: value };
  if (isCredential(value)) return { SecretString: JSON.stringify({ username: value.username, password: value.password }) };
  return { SecretString: JSON.stringify(secretToJson(value).value) };
}

function valueFrom(response: SecretValueResponse, type: SecretType): SecretValue {
  if (response.SecretBinary !== undefined) return base64ToBytes(response.SecretBinary);
  const text = response.SecretString ?? "";
  if (type === "string" || type === "bytes") return text;
  return secretFromJsonText(type, text);
}

export default defineVault((context: VaultContext): VaultExtension => {
  const { parameters, runtime, vaultName } = context;
  const region = (typeof parameters.region === "string" && parameters.region) || runtime.env("AWS_REGION") ||
    runtime.env("AWS_DEFAULT_REGION");
  if (!region) {
    throw new SecretManagementError("INVALID_ARGUMENT", "aws-secrets-manager needs the region parameter (or AWS_REGION)", {
      vault: vaultName,
    });
  }
  const endpoint = typeof parameters.endpoint === "string"
    ? parameters.endpoint
    : `https://secretsmanager.${region}.amazonaws.com`;
  const forceDelete = parameters.forceDelete === true;
  const recoveryWindowDays = typeof parameters.recoveryWindowDays === "number" ? parameters.recoveryWindowDays : 30;
  let credentials: Promise<AwsCredentials> | undefined;
  const http = new HttpClient({ vault: vaultName });

  async function call<T>(action: string, body: Record<string, unknown>, secrets: string[] = []): Promise<T> {
    credentials ??= loadCredentials(context).catch((error) => {
      credentials = undefined;
      throw error;
    });
    const url = new URL(endpoint);
    const payload = JSON.stringify(body);
    const headers = signRequest({
      method: "POST",
      url,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `secretsmanager.${action}` },
      body: payload,
      region: region!,
      service: "secretsmanager",
      date: new Date(),
    }, await credentials);
    const write = !READ_ACTIONS.has(action);
    const response = await http.request(url, { method: "POST", headers, body: payload }, { write });
    const text = response.text;
    if (response.ok) return jsonBody<T>(response, vaultName, `AWS Secrets Manager ${action}`);
    let parsed: { __type?: string; message?: string; Message?: string } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Authentication errors can come as an XML ErrorResponse (moto answers them so).
      parsed = {
        __type: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
        message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
      };
    }
    const type = (parsed.__type ?? response.headers.get("x-amzn-errortype") ?? `HTTP${response.status}`)
      .split("#").pop()!.split(":")[0]!;
    let message = parsed.message ?? parsed.Message ?? `HTTP ${response.status}`;
    for (const secret of secrets) if (secret) message = message.split(secret).join("***");
    const cause = new AwsApiError(type, response.status, message);
    throw new SecretManagementError(codeFor(cause), `AWS Secrets Manager ${action}: ${type}: ${message}`, {
      vault: vaultName,
      cause,
    });
  }

  /** The secret's description, undefined when AWS has no secret of that name. */
  async function describe(name: string): Promise<SecretDescription | undefined> {
    try {
      return await call<SecretDescription>("DescribeSecret", { SecretId: name });
    } catch (error) {
      if (typeOf(error) === "ResourceNotFoundException") return undefined;
      throw error;
    }
  }

  const notFound = (name: string) =>
    new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`, { vault: vaultName });

  async function syncTags(name: string, current: Tags, desired: Tags): Promise<void> {
    const stale = Object.keys(current).filter((key) => !(key in desired) && !key.startsWith("aws:"));
    if (stale.length > 0) await call("UntagResource", { SecretId: name, TagKeys: stale });
    const changed = Object.entries(desired).filter(([key, value]) => current[key] !== value);
    if (changed.length > 0) {
      await call("TagResource", { SecretId: name, Tags: changed.map(([Key, Value]) => ({ Key, Value })) });
    }
  }

  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      if (!NAME.test(name)) return undefined;
      // Both at once: the value, and the description that holds the type tag and deletion state.
      const value = call<SecretValueResponse>("GetSecretValue", { SecretId: name }).catch((error) => {
        // No such secret, no value yet, or scheduled for deletion.
        const reason = typeOf(error);
        if (reason === "ResourceNotFoundException" || reason === "InvalidRequestException") return undefined;
        throw error;
      });
      const [description, response] = await Promise.all([describe(name), value]);
      if (!description || description.DeletedDate != null || !response) return undefined;
      return valueFrom(response, storedType(tagsRecord(description.Tags)));
    },

    async setSecret(name, value, metadata, options) {
      if (!NAME.test(name)) {
        throw new SecretManagementError(
          "INVALID_ARGUMENT",
          `AWS secret names are 1-512 letters, digits and / _ + = . @ -; "${name}" is not one`,
          { vault: vaultName },
        );
      }
      const type = secretTypeOf(value);
      const fields = valueFields(value);
      const secrets = Object.values(fields);
      const metadataTags = metadata === undefined ? undefined : metadataToTags(metadata, RESERVED);
      let createError: unknown;
      try {
        const tags = { [TYPE_TAG]: type, ...metadataTags };
        await call("CreateSecret", {
          Name: name,
          ...fields,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }, secrets);
        return;
      } catch (error) {
        const reason = typeOf(error);
        if (reason !== "ResourceExistsException" && reason !== "InvalidRequestException") throw error;
        createError = error;
      }
      // The name exists (maybe scheduled for deletion); if it does not, the refusal was about something else.
      const description = await describe(name);
      if (!description) throw createError;
      const deleted = description.DeletedDate != null;
      if (deleted) await call("RestoreSecret", { SecretId: name });
      else if (options?.noClobber) {
        throw new SecretManagementError("SECRET_EXISTS", `a secret named "${name}" already exists`, { vault: vaultName });
      }
      await call("PutSecretValue", { SecretId: name, ...fields }, secrets);
      const current = tagsRecord(description.Tags);
      // Without new metadata the tags stay as they are (those of a restored secret are dropped).
      const kept = deleted ? {} : current;
      await syncTags(name, current, { ...(metadataTags ?? kept), [TYPE_TAG]: type });
    },

    async removeSecret(name) {
      const description = NAME.test(name) ? await describe(name) : undefined;
      if (!description || description.DeletedDate != null) throw notFound(name);
      await call("DeleteSecret", forceDelete
        ? { SecretId: name, ForceDeleteWithoutRecovery: true }
        : { SecretId: name, RecoveryWindowInDays: recoveryWindowDays });
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const prefix = listingPrefix(filter);
      const infos: VaultSecretInfo[] = [];
      let nextToken: string | undefined;
      do {
        const page: { SecretList?: SecretDescription[]; NextToken?: string } = await call("ListSecrets", {
          MaxResults: 100,
          ...(prefix ? { Filters: [{ Key: "name", Values: [prefix] }] } : {}),
          ...(nextToken ? { NextToken: nextToken } : {}),
        });
        for (const entry of page.SecretList ?? []) {
          if (entry.DeletedDate != null || !matches(entry.Name)) continue;
          const tags = tagsRecord(entry.Tags);
          infos.push({ name: entry.Name, type: storedType(tags), metadata: metadataFromTags(tags, RESERVED) });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return infos;
    },

    async setSecretInfo(name, metadata: Metadata) {
      const description = NAME.test(name) ? await describe(name) : undefined;
      if (!description || description.DeletedDate != null) throw notFound(name);
      const current = tagsRecord(description.Tags);
      await syncTags(name, current, { [TYPE_TAG]: storedType(current), ...metadataToTags(metadata, RESERVED) });
    },

    async test() {
      await call("ListSecrets", { MaxResults: 1 });
      return true;
    },
  };
});
