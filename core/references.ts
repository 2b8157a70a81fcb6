/**
 * Secret references: `secret://<vault>/<name>[#field]` names a secret in one vault,
 * `secret://<name>[#field]` searches the vaults in order. Percent-escapes are decoded, so a name
 * with `#` is written `%23`. The field picks a map key, or `username`/`password` of a credential.
 */
import { SecretManagementError } from "./errors.ts";
import { isCredential, type SecretMap, type SecretValue } from "./types.ts";

export interface SecretReference {
  vault: string | undefined;
  name: string;
  field: string | undefined;
}

const PREFIX = "secret://";

export function isSecretReference(text: string): boolean {
  return text.startsWith(PREFIX);
}

function decode(part: string, reference: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new SecretManagementError("INVALID_ARGUMENT", `invalid percent-escape in reference ${reference}`);
  }
}

export function parseSecretReference(reference: string): SecretReference {
  if (!isSecretReference(reference)) {
    // Not a reference at all: it may be a secret pasted in the wrong place, so it is not repeated.
    throw new SecretManagementError("INVALID_ARGUMENT", `a secret reference starts with ${PREFIX} (the text given does not)`);
  }
  const body = reference.slice(PREFIX.length);
  const hash = body.indexOf("#");
  const path = hash < 0 ? body : body.slice(0, hash);
  const field = hash < 0 ? undefined : decode(body.slice(hash + 1), reference);
  const slash = path.indexOf("/");
  const vault = slash < 0 ? undefined : decode(path.slice(0, slash), reference);
  const name = decode(slash < 0 ? path : path.slice(slash + 1), reference);
  if (name === "" || vault === "" || field === "") {
    throw new SecretManagementError("INVALID_ARGUMENT", `incomplete secret reference ${reference}`);
  }
  return { vault, name, field };
}

/** Picks `field` out of a value: a map key, or `username`/`password` of a credential. */
export function selectField(value: SecretValue, field: string | undefined, label: string): SecretValue {
  if (field === undefined) return value;
  if (isCredential(value)) {
    if (field === "username" || field === "password") return value[field];
  } else if (typeof value === "object" && !(value instanceof Uint8Array)) {
    const map = value as SecretMap;
    const key = Object.keys(map).find((k) => k === field) ?? Object.keys(map).find((k) => k.toLowerCase() === field.toLowerCase());
    if (key !== undefined) return map[key]!;
  }
  throw new SecretManagementError("SECRET_NOT_FOUND", `secret ${label} has no field "${field}"`);
}
