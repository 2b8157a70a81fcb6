import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

/** Bundles a worker the way a user's bundler would (workerd conditions) and runs it in real workerd. */
export async function runWorker(entry: string, bindings: Record<string, string>): Promise<unknown> {
  const outfile = join(tempHome("edge"), "worker.mjs");
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
    const text = await response.text();
    if (response.status !== 200) throw new Error(`worker answered ${response.status}: ${text}`);
    return JSON.parse(text);
  } finally {
    await mf.dispose();
  }
}

describe("edge runtime (workerd via miniflare)", () => {
  it("runs the library with memory and env vaults and no file system", async () => {
    const result = await runWorker(join(ROOT, "test/edge/worker.ts"), { APP_API_KEY: "k-123" });
    expect(result).toEqual({
      runtime: "web",
      bytesOk: true,
      fromBinding: "k-123",
      vaults: ["cache/bytes:bytes", "bindings/API_KEY:string"],
      unsupported: "UNSUPPORTED",
      noFs: "INVALID_EXTENSION",
    });
  }, 60_000);
});
