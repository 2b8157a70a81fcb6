/**
 * `secret vault search [term]`: vault extensions published to npm, found by the keyword
 * `secretmanagement-vault` through the registry's search API — at the registry the user's npm
 * configuration names (`npm_config_registry`, then `registry=` in ./.npmrc and ~/.npmrc), else the
 * public one. It only lists: installing is the user's `npm i` / `deno add` / `bun add`.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { CommandContext, Context } from "../context.ts";
import { printJson, printTable } from "../output.ts";

export const VAULT_KEYWORD = "secretmanagement-vault";
const PUBLIC_REGISTRY = "https://registry.npmjs.org/";
const DEFAULT_TIMEOUT_SECONDS = 10;

export interface VaultPackage {
  name: string;
  version: string;
  description: string;
  /** Downloads in the last week, where the registry says. */
  weeklyDownloads: number | undefined;
}

function registryFromNpmrc(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*registry\s*=\s*(\S+)\s*$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** The registry npm would use here. */
export function registryUrl(context: Context): string {
  const runtime = context.runtime;
  const fromEnv = runtime.env("npm_config_registry") ?? runtime.env("NPM_CONFIG_REGISTRY");
  if (fromEnv) return fromEnv;
  const decoder = new TextDecoder();
  for (const dir of [runtime.cwd(), runtime.homeDir()]) {
    const bytes = dir === undefined ? undefined : runtime.fs?.readFile(`${dir}/.npmrc`);
    const found = bytes && registryFromNpmrc(decoder.decode(bytes));
    if (found) return found;
  }
  return PUBLIC_REGISTRY;
}

interface SearchAnswer {
  objects?: {
    package?: { name?: unknown; version?: unknown; description?: unknown; keywords?: unknown };
    downloads?: { weekly?: unknown };
  }[];
}

export async function searchVaultPackages(registry: string, term: string | undefined, timeoutMs: number): Promise<VaultPackage[]> {
  const url = new URL("-/v1/search", registry.endsWith("/") ? registry : `${registry}/`);
  url.searchParams.set("text", `keywords:${VAULT_KEYWORD}${term ? ` ${term}` : ""}`);
  url.searchParams.set("size", "100");
  const unavailable = (why: string, cause?: unknown) =>
    new SecretManagementError("VAULT_UNAVAILABLE", `cannot search the npm registry at ${url.origin}: ${why}`, { cause });
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const why = (error as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : "it cannot be reached";
    throw unavailable(why, error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw unavailable(`it answered HTTP ${response.status}`);
  }
  let answer: SearchAnswer;
  try {
    answer = await response.json() as SearchAnswer;
  } catch (error) {
    throw unavailable("its answer is not JSON", error);
  }
  return (answer.objects ?? []).flatMap(({ package: pkg, downloads }) => {
    // The registry's text search is fuzzy: keep only packages that really carry the keyword.
    if (typeof pkg?.name !== "string" || !Array.isArray(pkg.keywords) || !pkg.keywords.includes(VAULT_KEYWORD)) return [];
    return [{
      name: pkg.name,
      version: typeof pkg.version === "string" ? pkg.version : "",
      description: typeof pkg.description === "string" ? pkg.description : "",
      weeklyDownloads: typeof downloads?.weekly === "number" ? downloads.weekly : undefined,
    }];
  });
}

export async function search(context: CommandContext<"vault search">): Promise<void> {
  const { term } = context.args;
  const seconds = Number(context.flags.timeout ?? DEFAULT_TIMEOUT_SECONDS);
  if (!(seconds > 0)) throw context.usage("--timeout takes a positive number of seconds");
  const found = await searchVaultPackages(registryUrl(context), term, seconds * 1000);
  if (context.flags.json) return printJson(context, found);
  if (found.length === 0) {
    context.runtime.writeStderr(`no vault packages found with the keyword ${VAULT_KEYWORD}${term ? ` matching "${term}"` : ""}\n`);
    return;
  }
  printTable(
    context,
    ["NAME", "VERSION", "WEEKLY", "DESCRIPTION"],
    found.map((pkg) => [pkg.name, pkg.version, pkg.weeklyDownloads === undefined ? "" : String(pkg.weeklyDownloads), pkg.description]),
  );
  context.runtime.writeStderr(`install one with: npm i <name> (Deno: deno add npm:<name>, Bun: bun add <name>), then: secret vault register <vault> <name>\n`);
}
