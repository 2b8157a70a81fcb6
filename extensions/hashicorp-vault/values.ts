/**
 * How secret values sit in a KV secret's data, so that a plain `bao kv get` / `vault kv get` shows
 * them readably and every type still round-trips exactly:
 *
 *   string      {"value": "<text>"}
 *   bytes       {"value": "<base64>"}
 *   credential  {"username": "...", "password": "..."}
 *   map         its fields: a string as a string, bytes as {"bytes": "<base64>"},
 *               a credential as {"username": "...", "password": "..."}
 *
 * The type name is kept beside the data (KV v2: `custom_metadata`; KV v1: a reserved data field), so
 * `{"value": ...}` can be a string, bytes or a one-field map. Data without a type (written by another
 * tool) reads as a string when it is exactly `{"value": "<text>"}`, a credential when it is exactly
 * `{"username", "password"}` strings, and a map of its fields otherwise (non-string fields as JSON text).
 */
import { base64ToBytes, bytesToBase64 } from "../../core/base64.ts";
import { TYPE_TAG } from "../../core/envelope.ts";
import { SecretManagementError, storeCorrupt } from "../../core/errors.ts";
import {
  type Credential,
  isCredential,
  type JsonValue,
  type SecretMap,
  type SecretType,
  type SecretValue,
} from "../../core/types.ts";

export type KvData = { [key: string]: JsonValue };

/** The v1 data field that holds metadata (v2 keeps it in custom_metadata). */
export const METADATA_KEY = "secretmanagement:metadata";
/** TYPE_TAG is the custom_metadata key (v2) and data field (v1) that holds the type name. */
export const RESERVED_KEYS: readonly string[] = [TYPE_TAG, METADATA_KEY];

function itemToData(item: string | Uint8Array | Credential): JsonValue {
  if (typeof item === "string") return item;
  if (item instanceof Uint8Array) return { bytes: bytesToBase64(item) };
  return { username: item.username, password: item.password };
}

/** Lenient on purpose: a map field written by another tool may be any JSON. */
function itemFromData(json: JsonValue | undefined): string | Uint8Array | Credential {
  if (typeof json === "string") return json;
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const keys = Object.keys(json);
    if (keys.length === 1 && typeof json.bytes === "string") {
      try {
        return base64ToBytes(json.bytes);
      } catch {
        // not ours: falls through to JSON text
      }
    }
    if (isCredential(json)) return { username: json.username, password: json.password };
  }
  return JSON.stringify(json ?? null);
}

export function valueToData(type: SecretType, value: SecretValue): KvData {
  switch (type) {
    case "string":
      return { value: value as string };
    case "bytes":
      return { value: bytesToBase64(value as Uint8Array) };
    case "credential": {
      const credential = value as Credential;
      return { username: credential.username, password: credential.password };
    }
    case "map": {
      const data: KvData = {};
      for (const [key, item] of Object.entries(value as SecretMap)) {
        if (RESERVED_KEYS.includes(key)) {
          throw new SecretManagementError("INVALID_ARGUMENT", `map field "${key}" is reserved by the hashicorp-vault extension`);
        }
        data[key] = itemToData(item);
      }
      return data;
    }
  }
}

function corrupt(type: SecretType): SecretManagementError {
  return storeCorrupt("the secret", `it is marked as ${type} but its data does not hold one`);
}

/** Reads data back; `type` undefined means written by another tool. Reserved fields are ignored. */
export function valueFromData(data: KvData, type: SecretType | undefined): SecretValue {
  const fields = Object.entries(data).filter(([key]) => !RESERVED_KEYS.includes(key));
  const own = Object.fromEntries(fields) as KvData;
  switch (type ?? inferType(own)) {
    case "string":
      if (typeof own.value !== "string") throw corrupt("string");
      return own.value;
    case "bytes":
      if (typeof own.value !== "string") throw corrupt("bytes");
      try {
        return base64ToBytes(own.value);
      } catch {
        throw corrupt("bytes");
      }
    case "credential":
      if (typeof own.username !== "string" || typeof own.password !== "string") throw corrupt("credential");
      return { username: own.username, password: own.password };
    case "map": {
      const map: SecretMap = {};
      for (const [key, item] of fields) map[key] = itemFromData(item);
      return map;
    }
  }
}

/** The type data written by another tool reads as (see the module comment). */
export function inferType(data: KvData): SecretType {
  const keys = Object.keys(data).filter((key) => !RESERVED_KEYS.includes(key));
  if (keys.length === 1 && typeof data.value === "string") return "string";
  if (keys.length === 2 && typeof data.username === "string" && typeof data.password === "string") return "credential";
  return "map";
}
