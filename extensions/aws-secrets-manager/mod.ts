/**
 * aws-secrets-manager: AWS Secrets Manager over its JSON 1.1 API (`X-Amz-Target: secretsmanager.X`),
 * signed with SigV4 over @noble/hashes and sent with fetch, so it runs on Node, Deno, Bun and edge.
 *
 * Values: string → SecretString; bytes → SecretBinary; credential and map → JSON in SecretString.
 * The value's type is kept in the tag `secretmanagement:type`; other tags are the metadata (typed,
 * see core/tags.ts). Names are case-sensitive, as AWS makes them. Removal schedules deletion
 * (`recoveryWindowDays`, default 30) unless `forceDelete` is true; a secret scheduled for deletion
 * reads as missing, and setting it again restores it first.
 *
 * Empty values are refused (UNSUPPORTED): AWS takes an empty SecretString or SecretBinary as "no
 * value", creating a secret that has no version and cannot be read. A secret another tool wrote with
 * SecretBinary and without our type tag is bytes, in listings too (its value is read to find out).
 *
 * AWS's error messages are kept as they are, except on calls that carry a value: when the message
 * quotes that value it is left out entirely (only AWS's error type and the status remain), rather
 * than masked inside the server's text.
 */
import { base64ToBytes, bytesToBase64 } from "../../core/base64.ts";
import { secretFromJsonText, secretToJson, TYPE_TAG, typeFromTag } from "../../core/envelope.ts";
import { type ErrorCode, secretExists, SecretManagementError, secretNotFound } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { errorCodeForStatus, HttpClient, HttpStatusError, httpStatusOf, jsonBody, statusError } from "../../core/http.ts";
import { readParameters } from "../../core/parameters.ts";
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

/**
 * Actions that may be sent again when an attempt timed out or its answer was lost: reads change
 * nothing, and CreateSecret and PutSecretValue carry a ClientRequestToken, which makes AWS apply
 * them once (a repeat with the same token and value answers as the first did, and creates no second
 * version); without that, a repeated CreateSecret would report SECRET_EXISTS for the secret the
 * first attempt created.
 */
const REPEATABLE_ACTIONS = new Set(["GetSecretValue", "DescribeSecret", "ListSecrets", "CreateSecret", "PutSecretValue"]);
/** AWS's rule for secret names; checked here because local servers such as moto do not. */
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const RESERVED = [TYPE_TAG];
/** AWS's limits on a secret's tags. */
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/** A server message quoting one of the values sent is left out; shorter values count only as whole words. */
const ALWAYS_MATCHED_LENGTH = 8;

const PARAMETERS = {
  region: { type: "string", env: ["AWS_REGION", "AWS_DEFAULT_REGION"] },
  endpoint: { type: "string" },
  profile: { type: "string" },
  credential: { type: "reference" },
  forceDelete: { type: "boolean", default: false },
  recoveryWindowDays: { type: "number", integer: true, min: 7, max: 30, default: 30 },
  timeout: { type: "number", min: 0.001, default: 30 },
  maxConcurrent: { type: "number", integer: true, min: 1, max: 1024, default: 16 },
} as const;

const KEYS_INSTEAD = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile of the shared credentials file, " +
  "or the credential parameter (a secret://vault/name reference)";
/** Parameters someone might put keys in; the message says where they go instead. */
const SECRET_PARAMETERS = {
  accessKeyId: KEYS_INSTEAD,
  secretAccessKey: KEYS_INSTEAD,
  aws_secret_access_key: KEYS_INSTEAD,
  secretKey: KEYS_INSTEAD,
  sessionToken: "AWS_SESSION_TOKEN, a profile, or a credential map holding sessionToken",
};

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

/** AWS answers most refusals with HTTP 400 and says what it means in its error type. */
function codeFor(answer: HttpStatusError): ErrorCode {
  if (answer.serverCode === "ResourceNotFoundException") return "SECRET_NOT_FOUND";
  if (answer.serverCode === "ResourceExistsException") return "SECRET_EXISTS";
  if (AUTH_ERRORS.has(answer.serverCode ?? "")) return "PERMISSION_DENIED";
  return errorCodeForStatus(answer.status);
}

/** AWS's error type (`ResourceNotFoundException`, …) behind an error, if AWS refused the call. */
const typeOf = (error: unknown): string | undefined => httpStatusOf(error)?.serverCode;

function tagsRecord(tags: AwsTag[] | undefined): Tags {
  const record: Tags = {};
  for (const tag of tags ?? []) record[tag.Key] = tag.Value;
  return record;
}

function storedType(tags: Tags): SecretType {
  return typeFromTag(tags[TYPE_TAG]) ?? "string";
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

/** The texts of a value that a server might quote back: what is sent, and each field of a credential or map. */
function valueTexts(value: SecretValue, sent: string): string[] {
  const texts = [sent];
  const add = (item: SecretValue) => {
    if (typeof item === "string") texts.push(item);
    else if (item instanceof Uint8Array) texts.push(bytesToBase64(item));
    else if (isCredential(item)) texts.push(item.username, item.password);
    else for (const field of Object.values(item)) add(field);
  };
  if (typeof value === "object" && !(value instanceof Uint8Array)) add(value);
  return texts.filter((text) => text !== "");
}

const WORD_CHARACTER = /[A-Za-z0-9]/;

/** Whether `message` quotes one of `texts`: anywhere for long texts, as a whole word for short ones. */
export function quotesAny(message: string, texts: readonly string[]): boolean {
  for (const text of texts) {
    for (let at = message.indexOf(text); at >= 0; at = message.indexOf(text, at + 1)) {
      if (text.length >= ALWAYS_MATCHED_LENGTH) return true;
      const before = message[at - 1] ?? " ";
      const after = message[at + text.length] ?? " ";
      if (!WORD_CHARACTER.test(before) && !WORD_CHARACTER.test(after)) return true;
    }
  }
  return false;
}

function checkTags(tags: Tags): void {
  const entries = Object.entries(tags);
  const problem = entries.length > MAX_TAGS
    ? `at most ${MAX_TAGS - 1} metadata entries fit (AWS allows ${MAX_TAGS} tags, one holds the type)`
    : entries.some(([key, value]) => key.length > MAX_TAG_KEY || value.length > MAX_TAG_VALUE)
    ? `metadata keys are at most ${MAX_TAG_KEY} characters and values at most ${MAX_TAG_VALUE - 2} (AWS's tag limits)`
    : undefined;
  if (problem) throw new SecretManagementError("INVALID_ARGUMENT", problem);
}

function valueFrom(response: SecretValueResponse, type: SecretType): SecretValue {
  if (response.SecretBinary !== undefined) return base64ToBytes(response.SecretBinary);
  const text = response.SecretString ?? "";
  if (type === "string" || type === "bytes") return text;
  return secretFromJsonText(type, text);
}

function invalidParameter(message: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", message);
}

export default defineVault((context: VaultContext): VaultExtension => {
  const { runtime, vaultName } = context;
  const parameters = readParameters(vaultName, context.parameters, PARAMETERS, {
    secretKeys: SECRET_PARAMETERS,
    env: (name) => runtime.env(name),
  });
  const { region, forceDelete, recoveryWindowDays } = parameters;
  if (!region) throw invalidParameter("aws-secrets-manager needs the region parameter (or AWS_REGION)");
  if (!/^[a-z0-9-]+$/.test(region)) throw invalidParameter("parameter region must be an AWS region such as us-east-1");
  const endpoint = parameters.endpoint ?? `https://secretsmanager.${region}.amazonaws.com`;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw invalidParameter("parameter endpoint must be an http or https URL");
  }
  let credentials: Promise<AwsCredentials> | undefined;
  const http = new HttpClient({
    timeoutMs: parameters.timeout * 1000,
    maxConcurrent: parameters.maxConcurrent,
  });

  /** Calls `action`; `values` are the texts of a value the call carries, kept out of error messages. */
  async function call<T>(action: string, body: Record<string, unknown>, values: readonly string[] = []): Promise<T> {
    credentials ??= loadCredentials(context, parameters).catch((error) => {
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
    const write = !REPEATABLE_ACTIONS.has(action);
    const response = await http.request(url, { method: "POST", headers, body: payload }, { write });
    const text = response.text;
    if (response.ok) return jsonBody<T>(response, `AWS Secrets Manager ${action}`);
    let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Authentication errors can come as an XML ErrorResponse (moto answers them so).
      parsed = {
        __type: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
        message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
      };
    }
    const rawType = typeof parsed.__type === "string" ? parsed.__type : response.headers.get("x-amzn-errortype") ?? "";
    const shortType = rawType.split("#").pop()!.split(":")[0]!;
    // An error type is an identifier; anything else is not AWS speaking and is not repeated.
    const type = /^[A-Za-z0-9_.]{1,100}$/.test(shortType) ? shortType : `HTTP${response.status}`;
    const serverMessage = [parsed.message, parsed.Message].find((m): m is string => typeof m === "string");
    const message = serverMessage === undefined
      ? `HTTP ${response.status}`
      : quotesAny(serverMessage, values)
      ? `HTTP ${response.status} (AWS's message is left out: it quotes the value sent)`
      : serverMessage;
    const answer = new HttpStatusError(response.status, action, { serverCode: type, errors: [message] });
    throw statusError(answer, `AWS Secrets Manager ${action}: ${type}: ${message}`, codeFor(answer));
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

  async function syncTags(name: string, current: Tags, desired: Tags): Promise<void> {
    const stale = Object.keys(current).filter((key) => !(key in desired) && !key.startsWith("aws:"));
    if (stale.length > 0) await call("UntagResource", { SecretId: name, TagKeys: stale });
    const changed = Object.entries(desired).filter(([key, value]) => current[key] !== value);
    if (changed.length > 0) {
      await call("TagResource", { SecretId: name, Tags: changed.map(([Key, Value]) => ({ Key, Value })) });
    }
  }

  /** The type of a listed secret: our tag, else bytes when another tool stored SecretBinary. */
  async function listedType(entry: SecretDescription, tags: Tags): Promise<SecretType> {
    if (tags[TYPE_TAG] !== undefined) return storedType(tags);
    try {
      const response = await call<SecretValueResponse>("GetSecretValue", { SecretId: entry.Name });
      return response.SecretBinary !== undefined ? "bytes" : "string";
    } catch (error) {
      // No value yet, or not allowed to read it: list it as what a read of it would not contradict.
      const code = (error as SecretManagementError).code;
      if (code === "SECRET_NOT_FOUND" || code === "PERMISSION_DENIED" || code === "INVALID_ARGUMENT") return "string";
      throw error;
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
      // Everything that can be refused is refused before the first request.
      if (!NAME.test(name)) {
        throw new SecretManagementError(
          "INVALID_ARGUMENT",
          `AWS secret names are 1-512 letters, digits and / _ + = . @ -; "${name}" is not one`,
        );
      }
      if ((typeof value === "string" || value instanceof Uint8Array) && value.length === 0) {
        throw new SecretManagementError(
          "UNSUPPORTED",
          "AWS Secrets Manager cannot hold an empty value (it takes one as no value at all)",
        );
      }
      const type = secretTypeOf(value);
      const fields = valueFields(value);
      const values = valueTexts(value, Object.values(fields)[0]!);
      const metadataTags = metadata === undefined ? undefined : metadataToTags(metadata, RESERVED);
      const tags = { [TYPE_TAG]: type, ...metadataTags };
      checkTags(tags);
      // One token for this write: AWS applies a CreateSecret or PutSecretValue with it at most once.
      const token = crypto.randomUUID();
      let createError: unknown;
      try {
        await call("CreateSecret", {
          Name: name,
          ClientRequestToken: token,
          ...fields,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }, values);
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
        throw secretExists(name);
      }
      await call("PutSecretValue", { SecretId: name, ClientRequestToken: token, ...fields }, values);
      const current = tagsRecord(description.Tags);
      // Without new metadata the tags stay as they are (those of a restored secret are dropped).
      const kept = deleted ? {} : current;
      await syncTags(name, current, { ...(metadataTags ?? kept), [TYPE_TAG]: type });
    },

    async removeSecret(name) {
      const description = NAME.test(name) ? await describe(name) : undefined;
      if (!description || description.DeletedDate != null) throw secretNotFound(name);
      await call("DeleteSecret", forceDelete
        ? { SecretId: name, ForceDeleteWithoutRecovery: true }
        : { SecretId: name, RecoveryWindowInDays: recoveryWindowDays });
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const prefix = listingPrefix(filter);
      const listed: Promise<VaultSecretInfo>[] = [];
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
          listed.push(listedType(entry, tags).then((type) => ({
            name: entry.Name,
            type,
            metadata: metadataFromTags(tags, RESERVED),
          })));
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return await Promise.all(listed);
    },

    async setSecretInfo(name, metadata: Metadata) {
      const description = NAME.test(name) ? await describe(name) : undefined;
      if (!description || description.DeletedDate != null) throw secretNotFound(name);
      const current = tagsRecord(description.Tags);
      // A secret another tool wrote keeps having no type tag, so that it still lists as what it holds.
      const typeTag: Tags = current[TYPE_TAG] === undefined ? {} : { [TYPE_TAG]: storedType(current) };
      const tags = { ...typeTag, ...metadataToTags(metadata, RESERVED) };
      checkTags(tags);
      await syncTags(name, current, tags);
    },

    async test() {
      await call("ListSecrets", { MaxResults: 1 });
      return true;
    },
  };
});
