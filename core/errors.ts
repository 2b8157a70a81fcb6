/**
 * One error class with a stable `code`, so callers switch on codes, never on messages.
 * Messages name vaults, files and secret names; they never contain a secret value or a password.
 */
export type ErrorCode =
  | "VAULT_NOT_FOUND"
  | "VAULT_EXISTS"
  | "SECRET_NOT_FOUND"
  | "SECRET_EXISTS"
  | "NO_DEFAULT_VAULT"
  | "INVALID_EXTENSION"
  | "PASSWORD_REQUIRED"
  | "WRONG_PASSWORD"
  | "STORE_CORRUPT"
  | "VAULT_UNAVAILABLE"
  | "UNSUPPORTED"
  | "INVALID_ARGUMENT"
  | "PERMISSION_DENIED"
  | "AMBIGUOUS_NAME"
  | "LOCK_TIMEOUT"
  | "IO_ERROR";

export interface ErrorDetails {
  vault?: string;
  cause?: unknown;
}

export class SecretManagementError extends Error {
  readonly code: ErrorCode;
  readonly vault: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "SecretManagementError";
    this.code = code;
    this.vault = details.vault;
  }
}

export function isSecretManagementError(error: unknown, code?: ErrorCode): error is SecretManagementError {
  return error instanceof SecretManagementError && (code === undefined || error.code === code);
}

// ---- The catalogue: every message said in more than one place is built here, so it reads the same
// from every vault. Extensions leave `vault` out: the manager attaches the vault it called
// (core/manager.ts #call), so an extension's error reads `vault "x": <message>` whichever vault it is.

/**
 * SECRET_NOT_FOUND: `no secret named "n"`, then where it was looked for — `where` as the extension
 * words it (`at secret/app/n`), or `in vault "x"` for the manager, which also sets `vault`.
 */
export function secretNotFound(name: string, place: { vault?: string; where?: string } = {}): SecretManagementError {
  const where = place.where ?? (place.vault === undefined ? undefined : `in vault "${place.vault}"`);
  return new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"${where === undefined ? "" : ` ${where}`}`, {
    vault: place.vault,
  });
}

/** SECRET_EXISTS for a write with noClobber; `where` adds where it is (`(group/entry)`). */
export function secretExists(name: string, where?: string): SecretManagementError {
  return new SecretManagementError("SECRET_EXISTS", `a secret named "${name}" already exists${where === undefined ? "" : ` ${where}`}`);
}

/**
 * STORE_CORRUPT: `<what> is damaged: <why>` — `what` names the store, file or entry (`the sealed
 * store`, `KeePass entry "a/b"`), `why` what is wrong with it. Never a value.
 */
export function storeCorrupt(what: string, why: string, cause?: unknown): SecretManagementError {
  return new SecretManagementError("STORE_CORRUPT", `${what} is damaged: ${why}`, cause === undefined ? {} : { cause });
}
