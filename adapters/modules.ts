/**
 * How Node, Deno and Bun load vault extensions named by package or path: `import()`, and the
 * package.json of a bare specifier found from where `import.meta.resolve` points (it resolves
 * without running the package, which is what lets registration check the package first).
 * Edge runtimes have no such loader: their bundles import vaults statically.
 */
import type { ModuleLoader, PackageInfo } from "../core/manager.ts";
import type { Runtime } from "../core/runtime.ts";

function packageJsonFor(runtime: Runtime, entry: string, name: string): PackageInfo | undefined {
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
    import: (specifier) => import(specifier),
    packageInfo(specifier) {
      const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
      let entry: string;
      try {
        entry = import.meta.resolve(specifier);
      } catch {
        return undefined;
      }
      return packageJsonFor(runtime, entry, name);
    },
  };
}
