import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, RUNTIMES, runScript } from "./helpers/runtimes.ts";

describe.each(RUNTIMES)("Runtime adapter on %s", (runtime) => {
  it("implements files, processes, environment and the no-TTY prompt refusal the same way", () => {
    const dir = tempHome(`rt-${runtime}`);
    const result = runScript(
      runtime,
      join(ROOT, "test/scenarios/runtime.mjs"),
      [modulePath(runtime, "adapters/detect.ts"), modulePath(runtime, "core/process.ts"), dir],
      { env: { SM_TEST_VAR: "visible" }, input: "" },
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      name: runtime,
      platform: "linux",
      dirMode: 0o700,
      fileMode: 0o600,
      content: "replaced+tail",
      from: "+tail",
      range: "pla",
      pastEnd: 0,
      missing: true,
      exclusive: [true, false],
      truncated: "rep",
      chmod: 0o640,
      listing: ["a", "x"].map((n) => (n === "x" ? "y" : n)).sort(),
      leftovers: ["file"],
      dirReadError: "IO_ERROR",
      alive: [true, false],
      env: "visible",
      child: [0, "extra|0|from-stdin"],
      failing: [7, "err\n"],
      notFound: "VAULT_UNAVAILABLE",
      prompt: "PASSWORD_REQUIRED",
    });
  });
});
