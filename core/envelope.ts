/**
 * A typed JSON envelope for vaults that store text (OS keyrings, cloud secret stores): every value
 * type and metadata round-trips exactly, bytes as base64, dates as ISO strings. Maps and metadata
 * are built with Object.fromEntries (own properties), so no key, not even "__proto__", is dropped.
 */
import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { SecretManagementError, storeCorrupt } from "./errors.ts";
import {
  type Credential,
  isCredential,
  type JsonValue,
  type Metadata,
  type MetadataValue,
  type SecretMap,
  SECRET_TYPES,
  type SecretType,
  secretTypeOf,
  type SecretValue,
} from "./types.ts";

type JsonObject = { [key: string]: JsonValue };

/**
 * Where a backend that keeps the type apart from the value (AWS tags, Vault custom_metadata or data
 * fields) records it: one name for every vault, so the same secret reads the same through any of them.
 */
export const TYPE_TAG = "secretmanagement:type";

/** The type recorded under TYPE_TAG; `undefined` when absent or not a type this library knows. */
export function typeFromTag(text: unknown): SecretType | undefined {
  return SECRET_TYPES.includes(text as SecretType) ? text as SecretType : undefined;
}

function itemToJson(value: string | Uint8Array | Credential): JsonValue {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return { bytes: bytesToBase64(value) };
  return { username: value.username, password: value.password };
}

function itemFromJson(json: JsonValue): string | Uint8Array | Credential {
  if (typeof json === "string") return json;
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    if (typeof json.bytes === "string" && Object.keys(json).length === 1) return base64ToBytes(json.bytes);
    if (isCredential(json)) return { username: json.username, password: json.password };
  }
  throw corrupt();
}

function corrupt(): SecretManagementError {
  return storeCorrupt("a stored value", "it is not a valid secretmanagement envelope");
}

/** `{"type": "...", "value": ...}`: the JSON form of a value. */
export function secretToJson(value: SecretValue): { type: SecretType; value: JsonValue } {
  const type = secretTypeOf(value);
  if (type !== "map") return { type, value: itemToJson(value as string | Uint8Array | Credential) };
  const map: JsonObject = Object.fromEntries(Object.entries(value as SecretMap).map(([key, item]) => [key, itemToJson(item)]));
  return { type, value: map };
}

export function secretFromJson(type: unknown, json: JsonValue): SecretValue {
  switch (type) {
    case "string":
      if (typeof json === "string") return json;
      break;
    case "bytes":
    case "credential": {
      const item = itemFromJson(json);
      if (type === "bytes" ? item instanceof Uint8Array : isCredential(item)) return item;
      break;
    }
    case "map":
      if (typeof json === "object" && json !== null && !Array.isArray(json)) {
        return Object.fromEntries(Object.entries(json).map(([key, item]) => [key, itemFromJson(item)]));
      }
  }
  throw corrupt();
}

/** A credential or map stored as the JSON text of its value (cloud vaults keep the type elsewhere). */
export function secretFromJsonText(type: SecretType, text: string): SecretValue {
  let json: JsonValue;
  try {
    json = JSON.parse(text);
  } catch {
    throw storeCorrupt(`a ${type} secret`, "it does not hold JSON");
  }
  return secretFromJson(type, json);
}

export function encodeSecret(value: SecretValue): string {
  return JSON.stringify(secretToJson(value));
}

export function decodeSecret(text: string): SecretValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt();
  }
  if (typeof parsed !== "object" || parsed === null) throw corrupt();
  const { type, value } = parsed as { type?: unknown; value?: JsonValue };
  if (value === undefined) throw corrupt();
  return secretFromJson(type, value);
}

/** Metadata as JSON: dates become `{"date": "<ISO>"}` so they come back as Date. */
export function metadataToJson(metadata: Metadata): JsonObject {
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, value instanceof Date ? { date: value.toISOString() } : value]),
  );
}

export function metadataFromJson(json: unknown): Metadata {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw corrupt();
  return Object.fromEntries(
    Object.entries(json).map(([key, value]): [string, MetadataValue] => {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return [key, value];
      if (typeof value === "object" && value !== null && typeof value.date === "string") return [key, new Date(value.date)];
      throw corrupt();
    }),
  );
}
