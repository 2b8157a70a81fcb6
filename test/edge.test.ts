import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/runtimes.ts";
import { runWorker } from "./helpers/workerd.ts";

describe("edge runtime (workerd via miniflare)", () => {
  it("runs the library with memory and env vaults and no file system", async () => {
    const { status, text } = await runWorker(join(ROOT, "test/edge/worker.ts"), { APP_API_KEY: "k-123" });
    expect(status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({
      runtime: "web",
      bytesOk: true,
      fromBinding: "k-123",
      vaults: ["cache/bytes:bytes", "bindings/API_KEY:string"],
      unsupported: "UNSUPPORTED",
      noFs: "UNSUPPORTED",
    });
  }, 60_000);
});
