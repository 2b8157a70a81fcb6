/**
 * Bundles a worker the way a user's bundler would (esbuild, workerd conditions) and runs it in real
 * workerd through miniflare in file mode (`scriptPath`), as `wrangler dev` runs a bundle.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { tempHome } from "./home.ts";
import { ROOT } from "./runtimes.ts";

/** esbuild with the conditions a worker bundler uses; `.sealed` files become their bytes. Returns the bundle's path. */
export async function bundleWorker(entry: string, options: { minify?: boolean; outfile?: string } = {}): Promise<string> {
  const outfile = options.outfile ?? join(tempHome("worker"), "worker.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".sealed": "binary" },
    // esbuild decodes binary files with Uint8Array.fromBase64 for newer targets, which workerd lacks.
    target: "es2022",
    minify: options.minify ?? false,
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

export interface RunningWorker {
  fetch(path: string, init?: RequestInit): Promise<{ status: number; text: string }>;
  dispose(): Promise<void>;
}

/**
 * Starts a bundled worker in file mode: miniflare scans its imports (and refuses any import() whose
 * specifier is not a string literal) and loads the modules beside it, `*.sealed` ones as Data modules,
 * as wrangler's bundle leaves them.
 */
export async function startWorker(scriptPath: string, bindings: Record<string, string>): Promise<RunningWorker> {
  const mf = new Miniflare({
    scriptPath,
    modules: true,
    modulesRoot: dirname(scriptPath),
    modulesRules: [{ type: "Data", include: ["**/*.sealed"] }],
    bindings,
    compatibilityDate: "2024-09-01",
  });
  await mf.ready;
  return {
    async fetch(path, init) {
      const response = await mf.dispatchFetch(`http://localhost${path}`, init as never);
      return { status: response.status, text: await response.text() };
    },
    dispose: () => mf.dispose(),
  };
}

/** Bundles `entry`, runs one request to `/` in workerd, and stops it. */
export async function runWorker(entry: string, bindings: Record<string, string>): Promise<{ status: number; text: string }> {
  const worker = await startWorker(await bundleWorker(entry), bindings);
  try {
    return await worker.fetch("/");
  } finally {
    await worker.dispose();
  }
}

/**
 * The `import(…)` expressions of a bundle whose specifier is not a plain string literal (workerd
 * refuses those). Method calls such as `loader.import(x)` are not import expressions.
 */
export function computedImports(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?<![\w$.#])import\s*\(/g)) {
    const rest = code.slice(match.index + match[0].length, match.index + match[0].length + 200);
    if (!/^\s*(?:"[^"\\]*"|'[^'\\]*'|`[^`\\$]*`)\s*\)/.test(rest)) found.push(code.slice(match.index, match.index + 60));
  }
  return found;
}

/**
 * A copy of examples/edge depending on the library as a user's project does: the package packed
 * (`npm pack`, from the current dist/) and installed into it. Returns the project directory.
 */
export function installEdgeExample(): string {
  const out = tempHome("edge-example-pack");
  execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], { cwd: ROOT });
  const tarball = join(out, readdirSync(out).find((file) => file.endsWith(".tgz"))!);
  const project = join(tempHome("edge-example"), "app");
  cpSync(join(ROOT, "examples/edge"), project, { recursive: true });
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", tarball], { cwd: project, stdio: "pipe" });
  return project;
}
