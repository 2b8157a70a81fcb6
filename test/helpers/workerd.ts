/**
 * Bundles a worker the way a user's bundler would (esbuild, workerd conditions) and runs it in real
 * workerd through miniflare; resolves with the worker's status and body.
 */
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { tempHome } from "./home.ts";

export async function runWorker(entry: string, bindings: Record<string, string>): Promise<{ status: number; text: string }> {
  const outfile = join(tempHome("worker"), "worker.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    outfile,
    logLevel: "silent",
  });
  // File mode, as `wrangler dev` runs a bundle: miniflare scans its imports and refuses any import()
  // whose specifier is not a string literal, so this also proves the bundle has none.
  const mf = new Miniflare({
    scriptPath: outfile,
    modules: true,
    modulesRoot: dirname(outfile),
    bindings,
    compatibilityDate: "2024-09-01",
  });
  try {
    const response = await mf.dispatchFetch("http://localhost/");
    return { status: response.status, text: await response.text() };
  } finally {
    await mf.dispose();
  }
}
