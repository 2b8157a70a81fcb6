/** The plaintext inside a record: UTF-8 JSON naming the secret, with its value and metadata for a put. */
import { metadataFromJson, metadataToJson, secretFromJson, secretToJson } from "../envelope.ts";
import type { JsonValue, Metadata, SecretType, SecretValue } from "../types.ts";
import { corrupt } from "./format.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export interface PutPayload {
  name: string;
  type: SecretType;
  value: SecretValue;
  metadata: Metadata;
}

export function encodePut(name: string, value: SecretValue, metadata: Metadata): Uint8Array {
  const { type, value: json } = secretToJson(value);
  return encoder.encode(JSON.stringify({ name, type, value: json, metadata: metadataToJson(metadata) }));
}

export function encodeDelete(name: string): Uint8Array {
  return encoder.encode(JSON.stringify({ name }));
}

function parse(bytes: Uint8Array): Record<string, JsonValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    throw corrupt("a record's payload is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || typeof (parsed as { name?: unknown }).name !== "string") {
    throw corrupt("a record's payload has no name");
  }
  return parsed as Record<string, JsonValue>;
}

export function decodePut(bytes: Uint8Array): PutPayload {
  const json = parse(bytes);
  return {
    name: json.name as string,
    type: json.type as SecretType,
    value: secretFromJson(json.type, json.value ?? null),
    metadata: metadataFromJson(json.metadata),
  };
}

/** Name, type and metadata without building the value (for listing). */
export function decodeInfo(bytes: Uint8Array): Omit<PutPayload, "value"> {
  const json = parse(bytes);
  const type = json.type;
  if (type !== "string" && type !== "bytes" && type !== "credential" && type !== "map") {
    throw corrupt("a record's payload has an unknown type");
  }
  return { name: json.name as string, type, metadata: metadataFromJson(json.metadata) };
}
