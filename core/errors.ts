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
