/** Turning command-line text into typed values (metadata, parameters, secrets) and back. */
import { base64ToBytes } from "../core/base64.ts";
import { secretFromJson } from "../core/envelope.ts";
import { SecretManagementError } from "../core/errors.ts";
import { isCredential, type JsonValue, type Metadata, type MetadataValue, type SecretType, type SecretValue } from "../core/types.ts";
import { UsageError } from "./args.ts";

function splitPair(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--${flag} needs key=value, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Numbers, true/false and ISO 8601 dates become typed; everything else stays text. */
export function metadataValue(text: string): MetadataValue {
  if (NUMBER.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (ISO_DATE.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return text;
}

/** Built with Object.fromEntries, so a key such as "__proto__" reaches validation instead of vanishing. */
export function parseMetadata(pairs: readonly string[]): Metadata {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [key, value] = splitPair(pair, "meta");
      return [key, metadataValue(value)];
    }),
  );
}

/** `--param k=v`: the value as JSON when it parses, else as text. */
export function parseParameters(pairs: readonly string[]): { [key: string]: JsonValue } {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [key, value] = splitPair(pair, "param");
      try {
        return [key, JSON.parse(value) as JsonValue];
      } catch {
        return [key, value];
      }
    }),
  );
}

export interface RawValue {
  text?: string;
  /** From --stdin: bytes exactly as read. */
  bytes?: Uint8Array;
}

function stripNewline(text: string): string {
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** Text from stdin, exactly (a leading U+FEFF stays); bytes that are not UTF-8 are refused, not replaced with U+FFFD. */
function decodeText(bytes: Uint8Array, type: SecretType): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      `--type ${type}: stdin is not valid UTF-8 text; use --type bytes to store raw bytes`,
    );
  }
}

/** Builds the secret value `set` stores; errors never quote the value. */
export function buildSecretValue(type: SecretType, raw: RawValue, username: string | undefined): SecretValue {
  if (username !== undefined && type !== "credential") throw new UsageError("--username needs --type credential");
  if (type === "bytes" && raw.bytes) return raw.bytes;
  const text = raw.text ?? stripNewline(decodeText(raw.bytes ?? new Uint8Array(), type));
  switch (type) {
    case "string":
      return text;
    case "bytes":
      try {
        return base64ToBytes(text.trim());
      } catch {
        throw new UsageError("--type bytes: the value is not valid base64 (use --stdin for raw bytes)");
      }
    case "credential":
      if (username === undefined) throw new UsageError("--type credential needs --username");
      return { username, password: text };
    case "map": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError("--type map: the value is not valid JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new UsageError("--type map: the value must be a JSON object");
      }
      try {
        return secretFromJson("map", parsed as JsonValue);
      } catch {
        throw new UsageError(
          '--type map: each entry must be a string, {"bytes": "<base64>"} or {"username": ..., "password": ...}',
        );
      }
    }
  }
}

/** The text a secret stands for in an environment variable or a template: strings only. */
export function secretText(value: SecretValue, label: string): string {
  if (typeof value === "string") return value;
  const type = value instanceof Uint8Array ? "bytes" : isCredential(value) ? "credential" : "map";
  const hint = type === "credential" ? " (add #username or #password)" : type === "map" ? " (add #<key>)" : "";
  throw new SecretManagementError("INVALID_ARGUMENT", `${label} is a ${type} secret, not a string${hint}`);
}
