/** File operations as the Node, Deno and Bun file systems share them: errors turned into ours, the atomic replace. */
import { SecretManagementError } from "../../core/errors.ts";

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

/** Runs one file operation, reporting a failure as `fileError` (naming `path` and `action`). */
export function attempt<T>(path: string, action: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw fileError(error, path, action);
  }
}

/** The steps of an atomic replace that differ between runtimes. */
export interface AtomicWriteSteps {
  /** Creates `path` exclusively with `mode`, writes all of `data` and fsyncs it. */
  writeNewFile(path: string, data: Uint8Array, mode: number): void;
  rename(from: string, to: string): void;
  /** Removes `path`, with no error when it is gone. */
  remove(path: string): void;
  /** Fsyncs the directory holding `path`, so the rename survives a crash (nothing where it cannot be). */
  syncDirectory(path: string): void;
}

/** `FileSystem.writeFileAtomic`: a temp file in the same directory, written and fsynced, renamed over `path`. */
export function writeFileAtomic(steps: AtomicWriteSteps, pid: number, path: string, data: Uint8Array, mode: number): void {
  const temp = `${path}.tmp-${pid}-${Math.random().toString(36).slice(2)}`;
  attempt(path, "write", () => {
    steps.writeNewFile(temp, data, mode);
    try {
      steps.rename(temp, path);
    } catch (error) {
      steps.remove(temp);
      throw error;
    }
    steps.syncDirectory(path);
  });
}
