/**
 * How Node, Deno and Bun load vault extensions named by package or path. Registration resolves the
 * name first: a path becomes an absolute file: URL (a relative one would load whatever file of that
 * name sits in a later command's working directory); a package is found with `import.meta.resolve`,
 * which does not run it, and must carry the keyword `secretmanagement-vault` in its package.json.
 * Edge runtimes have no loader: their bundles import vaults as code.
 */
import { SecretManagementError } from "../core/errors.ts";
import type { ModuleLoader } from "../core/manager.ts";
import { absolutePath, isAbsolutePath, isRelativePath, pathToFileUrl } from "../core/paths.ts";
import type { Runtime } from "../core/runtime.ts";

export const VAULT_PACKAGE_KEYWORD = "secretmanagement-vault";

interface PackageJson {
  name: string;
  version: string;
  keywords: string[];
}

/** The npm package a bare specifier names (`@scope/name/sub` → `@scope/name`); undefined for paths and URLs. */
function packageName(specifier: string): string | undefined {
  if (isRelativePath(specifier) || isAbsolutePath(specifier) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The package.json of package `name`, found upwards from the file its specifier resolves to. */
function packageJson(runtime: Runtime, specifier: string, name: string): PackageJson | undefined {
  let entry: string;
  try {
    entry = import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
  if (!entry.startsWith("file:") || !runtime.fs) return undefined;
  let dir = decodeURIComponent(new URL(entry).pathname).replace(/\/[^/]*$/, "");
  if (/^\/[A-Za-z]:\//.test(dir)) dir = dir.slice(1);
  for (; dir.includes("/"); dir = dir.replace(/\/[^/]*$/, "")) {
    const bytes = runtime.fs.readFile(`${dir}/package.json`);
    if (bytes === undefined) continue;
    let json: { name?: unknown; version?: unknown; keywords?: unknown };
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      continue;
    }
    if (json.name !== name) continue;
    return {
      name,
      version: typeof json.version === "string" ? json.version : "",
      keywords: Array.isArray(json.keywords) ? json.keywords.filter((k): k is string => typeof k === "string") : [],
    };
  }
  return undefined;
}

export function createModuleLoader(runtime: Runtime): ModuleLoader {
  return {
    resolve(module, builtins) {
      if (isRelativePath(module) || isAbsolutePath(module)) return { module: pathToFileUrl(absolutePath(runtime, module)) };
      const name = packageName(module);
      if (name === undefined) return { module };
      const info = packageJson(runtime, module, name);
      if (info === undefined) {
        throw new SecretManagementError(
          "INVALID_EXTENSION",
          `"${module}" is neither a built-in vault (${builtins.join(", ")}) nor an installed package: ` +
            `install it with npm i ${name} (Deno: deno add npm:${name}; Bun: bun add ${name}), then register again`,
        );
      }
      if (!info.keywords.includes(VAULT_PACKAGE_KEYWORD)) {
        throw new SecretManagementError(
          "INVALID_EXTENSION",
          `package "${info.name}" is not a vault extension: its package.json does not list the keyword ${VAULT_PACKAGE_KEYWORD}`,
        );
      }
      return { module, version: info.version };
    },

    async import(module, vault) {
      if (isRelativePath(module)) {
        // Registered by an older version: resolved against the working directory, it would run
        // whatever file of that name a directory holds.
        throw new SecretManagementError(
          "INVALID_EXTENSION",
          `vault "${vault}" names its extension by the relative path "${module}", which would load whatever file has that name in the current directory; register it again with an absolute path (registerVault with allowClobber: true, or secret vault register ${vault} /absolute/path/to/${module.replace(/^(\.\.?[\\/])+/, "")} --allow-clobber)`,
          { vault },
        );
      }
      return await import(isAbsolutePath(module) ? pathToFileUrl(module) : module);
    },
  };
}
