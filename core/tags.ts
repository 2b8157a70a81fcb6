/**
 * Metadata as string tags, for cloud vaults whose only per-secret annotations are string key/value
 * tags (AWS Secrets Manager, Azure Key Vault). Each value carries a one-letter type prefix so that
 * numbers, booleans and dates come back as what they were: `s:text`, `n:3`, `b:true`,
 * `d:2030-01-02T03:04:05.000Z`. A tag without a known prefix (written by another tool) reads as a string.
 */
import { SecretManagementError } from "./errors.ts";
import type { Metadata, MetadataValue } from "./types.ts";

export type Tags = Record<string, string>;

export function encodeTagValue(value: MetadataValue): string {
  if (value instanceof Date) return `d:${value.toISOString()}`;
  if (typeof value === "number") return `n:${value}`;
  if (typeof value === "boolean") return `b:${value}`;
  return `s:${value}`;
}

export function decodeTagValue(text: string): MetadataValue {
  const body = text.slice(2);
  switch (text.slice(0, 2)) {
    case "s:":
      return body;
    case "n:": {
      const number = Number(body);
      if (body.trim() !== "" && Number.isFinite(number)) return number;
      break;
    }
    case "b:":
      if (body === "true" || body === "false") return body === "true";
      break;
    case "d:": {
      const date = new Date(body);
      if (!Number.isNaN(date.getTime())) return date;
    }
  }
  return text;
}

/** Tags for `metadata`, refusing keys the vault reserves for itself. */
export function metadataToTags(metadata: Metadata, reserved: readonly string[]): Tags {
  const tags: Tags = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (reserved.includes(key)) {
      throw new SecretManagementError("INVALID_ARGUMENT", `metadata key "${key}" is reserved by this vault`);
    }
    tags[key] = encodeTagValue(value);
  }
  return tags;
}

/** Metadata from tags, leaving out the vault's own reserved tags. */
export function metadataFromTags(tags: Tags, reserved: readonly string[]): Metadata {
  const metadata: Metadata = {};
  for (const [key, value] of Object.entries(tags)) {
    if (!reserved.includes(key)) metadata[key] = decodeTagValue(value);
  }
  return metadata;
}
