/** Path handling core needs without a runtime path module: joining, and where the home directory lives. */
import { SecretManagementError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";

export function joinPath(runtime: Runtime, ...parts: string[]): string {
  const separator = runtime.platform === "windows" ? "\\" : "/";
  return parts.map((part, i) => (i === 0 ? part.replace(/[\\/]+$/, "") : part.replace(/^[\\/]+|[\\/]+$/g, "")))
    .filter((part, i) => i === 0 || part !== "")
    .join(separator);
}

export function dirname(path: string): string {
  const index = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (index < 0) return ".";
  return index === 0 ? path.slice(0, 1) : path.slice(0, index);
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

/** A module specifier that names a file by a path relative to the working directory (`./x.mjs`, `..\\x.mjs`). */
export function isRelativePath(path: string): boolean {
  return /^\.\.?([\\/]|$)/.test(path);
}

/** `path` made absolute against the working directory (`.` and `..` resolved); an absolute path as given. */
export function absolutePath(runtime: Runtime, path: string): string {
  if (isAbsolutePath(path)) return path;
  const full = joinPath(runtime, runtime.cwd(), path);
  const separator = runtime.platform === "windows" ? "\\" : "/";
  const [root, ...rest] = full.split(/[\\/]/);
  const segments: string[] = [];
  for (const segment of rest) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `${root}${separator}${segments.join(separator)}`;
}

/**
 * `$SECRETMANAGEMENT_HOME`, else the platform's config dir + `/secretmanagement`:
 * `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows.
 */
export function resolveHome(runtime: Runtime, explicit?: string): string {
  const home = explicit ?? runtime.env("SECRETMANAGEMENT_HOME");
  // A relative home would follow the working directory: each directory would have its own vaults.
  if (home) return runtime.fs ? absolutePath(runtime, home) : home;
  if (!runtime.fs) return "/"; // edge: nothing is stored on disk, the home only names in-memory vaults
  const user = runtime.homeDir();
  let config: string | undefined;
  if (runtime.platform === "windows") config = runtime.env("APPDATA");
  else if (runtime.platform === "darwin") config = user && joinPath(runtime, user, "Library", "Application Support");
  else config = runtime.env("XDG_CONFIG_HOME") || (user && joinPath(runtime, user, ".config"));
  if (!config) {
    throw new SecretManagementError(
      "INVALID_ARGUMENT",
      "cannot find a config directory: set SECRETMANAGEMENT_HOME or pass { home }",
    );
  }
  return joinPath(runtime, config, "secretmanagement");
}

/** `file://` URL for an absolute path (what `import()` needs for a path on every runtime). */
export function pathToFileUrl(path: string): string {
  const normalized = path.replace(/\\/g, "/");
  const withRoot = normalized.startsWith("/") ? normalized : `/${normalized}`;
  return `file://${withRoot.split("/").map(encodeURIComponent).join("/").replace(/^\/([A-Za-z])%3A/, "/$1:")}`;
}
