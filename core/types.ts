/** Secret values, metadata and the descriptions the API returns, with their validation. */
import { SecretManagementError } from "./errors.ts";

export interface Credential {
  username: string;
  password: string;
}

/** A flat record, like PowerShell's Hashtable secret: values are string, bytes or credential. */
export type SecretMap = { [key: string]: string | Uint8Array | Credential };

export type SecretValue = string | Uint8Array | Credential | SecretMap;

export type SecretType = "string" | "bytes" | "credential" | "map";

export const SECRET_TYPES: readonly SecretType[] = ["string", "bytes", "credential", "map"];

/** Metadata is not secret: it is stored and shown in clear by some vaults. */
export type MetadataValue = string | number | boolean | Date;
export type Metadata = { [key: string]: MetadataValue };

export interface SecretInfo {
  name: string;
  type: SecretType;
  vault: string;
  metadata: Metadata;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type VaultParameters = { [key: string]: JsonValue };

export interface VaultInfo {
  name: string;
  module: string;
  /** The extension package's version at registration, for vaults installed as packages. */
  version?: string;
  description: string;
  parameters: VaultParameters;
  isDefault: boolean;
}

/** Builds a Credential; a plain `{username, password}` object is just as valid. */
export function Credential(username: string, password: string): Credential {
  return { username, password };
}

export function isCredential(value: unknown): value is Credential {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof (value as Credential).username === "string" &&
    typeof (value as Credential).password === "string";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The type name of a value, or an INVALID_ARGUMENT error that says what is wrong (never the value). */
export function secretTypeOf(value: unknown): SecretType {
  if (typeof value === "string") return "string";
  if (value instanceof Uint8Array) return "bytes";
  if (isCredential(value)) return "credential";
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "string" || item instanceof Uint8Array || isCredential(item)) continue;
      throw new SecretManagementError(
        "INVALID_ARGUMENT",
        `map entry "${key}" must be a string, Uint8Array or {username, password}`,
      );
    }
    return "map";
  }
  throw new SecretManagementError(
    "INVALID_ARGUMENT",
    `a secret value must be a string, Uint8Array, {username, password} or a flat map of those, not ${describe(value)}`,
  );
}

/**
 * The largest value `setSecret` accepts, in bytes (see secretValueSize). A SecretStore record holds
 * 64 MiB once encoded, and JSON may escape a character into six bytes, so every value up to this
 * limit fits in every vault that accepts its type.
 */
export const MAX_SECRET_VALUE_BYTES = 8 * 1024 * 1024;

/** What a map entry costs beyond its key and value: the JSON structure around them. */
const MAP_ENTRY_OVERHEAD = 32;

/** UTF-8 length of a string, counted without encoding it (a lone surrogate counts as its replacement, 3 bytes). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/**
 * The size a value counts against MAX_SECRET_VALUE_BYTES: bytes their length, text its UTF-8 length,
 * a credential its username and password, a map its keys and values plus 32 bytes per entry.
 */
export function secretValueSize(value: SecretValue): number {
  if (typeof value === "string") return utf8Length(value);
  if (value instanceof Uint8Array) return value.length;
  if (isCredential(value)) return utf8Length(value.username) + utf8Length(value.password);
  let size = 0;
  for (const [key, item] of Object.entries(value)) size += MAP_ENTRY_OVERHEAD + utf8Length(key) + secretValueSize(item);
  return size;
}

/**
 * A key that plain-object assignment would turn into a prototype change instead of an entry, so the
 * entry would vanish somewhere between the caller and the vault: refused outright.
 */
const RESERVED_KEY = "__proto__";

/** Everything setSecret checks about a value before writing: its type, its keys and its size. */
export function validateSecretValue(value: unknown): SecretType {
  const type = secretTypeOf(value);
  if (type === "map" && Object.hasOwn(value as SecretMap, RESERVED_KEY)) {
    throw new SecretManagementError("INVALID_ARGUMENT", `a map secret cannot have the key "${RESERVED_KEY}"`);
  }
  if (secretValueSize(value as SecretValue) > MAX_SECRET_VALUE_BYTES) {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      `a secret value may be at most ${MAX_SECRET_VALUE_BYTES} bytes (8 MiB); this one is larger`,
    );
  }
  return type;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object of class ${value.constructor?.name ?? "unknown"}`;
  return `a ${typeof value}`;
}

export function validateMetadata(metadata: unknown): Metadata {
  if (!isPlainObject(metadata)) {
    throw new SecretManagementError("INVALID_ARGUMENT", "metadata must be a flat object");
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "") throw new SecretManagementError("INVALID_ARGUMENT", "metadata keys must not be empty");
    if (key === RESERVED_KEY) {
      throw new SecretManagementError("INVALID_ARGUMENT", `metadata cannot have the key "${RESERVED_KEY}"`);
    }
    const ok = typeof value === "string" || typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value)) ||
      (value instanceof Date && !Number.isNaN(value.getTime()));
    if (!ok) {
      throw new SecretManagementError(
        "INVALID_ARGUMENT",
        `metadata "${key}" must be a string, finite number, boolean or valid Date`,
      );
    }
  }
  return metadata as Metadata;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function validateSecretName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 1024 || CONTROL_CHARACTERS.test(name)) {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      "a secret name must be a non-empty string of at most 1024 characters without control characters",
    );
  }
  return name;
}

const VAULT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Vault names appear in secret:// references and file names, so they are kept simple. */
export function validateVaultName(name: unknown): string {
  if (typeof name !== "string" || !VAULT_NAME.test(name)) {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      `invalid vault name ${JSON.stringify(String(name))}: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** Names are case-insensitive for lookup and case-preserving for display; this is the lookup key. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** A deep copy, so that a caller mutating a returned value cannot change what a vault holds. */
export function copySecretValue<T extends SecretValue>(value: T): T {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return value.slice() as T;
  if (isCredential(value)) return { username: value.username, password: value.password } as T;
  // Object.fromEntries defines own properties, so not even a "__proto__" entry is lost.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copySecretValue(item)])) as T;
}

export function copyMetadata(metadata: Metadata): Metadata {
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, value instanceof Date ? new Date(value.getTime()) : value]),
  );
}
