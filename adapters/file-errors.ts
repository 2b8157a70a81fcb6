/** Turns a runtime's file error (Node, Deno and Bun all set `code` to the errno name) into ours. */
import { SecretManagementError } from "../core/errors.ts";

export function fileError(error: unknown, path: string, action: string): SecretManagementError {
  const code = (error as { code?: string })?.code;
  if (code === "EACCES" || code === "EPERM") {
    return new SecretManagementError("PERMISSION_DENIED", `permission denied: cannot ${action} ${path}`, { cause: error });
  }
  return new SecretManagementError("IO_ERROR", `cannot ${action} ${path}: ${code ?? (error as Error)?.message}`, {
    cause: error,
  });
}

export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
