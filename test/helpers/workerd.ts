/**
 * Bundles a worker the way a user's bundler would (esbuild, workerd conditions) and runs it in real
 * workerd through miniflare; resolves with the worker's status and body.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  // Modules listed explicitly: miniflare's import scanner refuses the manager's dynamic import of user extensions.
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: "worker.mjs", contents: readFileSync(outfile, "utf8") }],
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
