/**
 * Files that decide what code runs or where secrets go (the registry, a store) must be the user's
 * alone, the way ssh treats `~/.ssh`: a file or directory owned by another user, or writable by
 * group or others, lets someone else plant a module or a store the user then trusts. Root owning
 * them is accepted (root can change anything anyway), as ssh does. Platforms without owners
 * (Windows, runtimes that report no uid) skip the check: there the directory's ACL is what protects it.
 */
import { SecretManagementError } from "./errors.ts";
import { joinPath } from "./paths.ts";
import type { Runtime } from "./runtime.ts";

const GROUP_OR_OTHER_WRITE = 0o022;

function hasOwners(runtime: Runtime): runtime is Runtime & { fs: NonNullable<Runtime["fs"]>; uid: number } {
  return runtime.fs !== undefined && runtime.platform !== "windows" && runtime.uid !== undefined;
}

/** PERMISSION_DENIED when `path` belongs to another user or others can write it; a missing path passes. */
export function checkPrivate(runtime: Runtime, path: string, what: string): void {
  if (!hasOwners(runtime)) return;
  const info = runtime.fs.stat(path);
  if (info === undefined || info.uid === undefined) return;
  if (info.uid !== runtime.uid && info.uid !== 0) {
    throw new SecretManagementError(
      "PERMISSION_DENIED",
      `refusing ${what} ${path}: it belongs to another user (uid ${info.uid}); if it is yours, fix it with: chown ${runtime.uid} ${path}`,
    );
  }
  if ((info.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    const mode = info.isDirectory ? "700" : "600";
    throw new SecretManagementError(
      "PERMISSION_DENIED",
      `refusing ${what} ${path}: other users can write it (mode ${info.mode.toString(8)}); fix it with: chmod ${mode} ${path}`,
    );
  }
}

/** `checkPrivate` for a directory and every entry directly in it (a store's files). */
export function checkPrivateDirectory(runtime: Runtime, directory: string, what: string): void {
  checkPrivate(runtime, directory, what);
  if (!hasOwners(runtime) || !runtime.fs.stat(directory)?.isDirectory) return;
  for (const entry of runtime.fs.readDir(directory)) checkPrivate(runtime, joinPath(runtime, directory, entry), what);
}
