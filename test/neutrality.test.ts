import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "./helpers/runtimes.ts";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("core/ is runtime-neutral", () => {
  it("mentions no node:, Deno. or Bun.", () => {
    const offenders = filesUnder(join(ROOT, "core")).filter((file) =>
      /\bnode:|\bDeno\.|\bBun\./.test(readFileSync(file, "utf8"))
    );
    expect(offenders).toEqual([]);
  });

  it("type-checks with no runtime types (lib ES2022 + DOM only)", () => {
    const output = execFileSync(join(BIN, "tsc"), ["-p", join(ROOT, "core/tsconfig.json"), "--noEmit"], {
      encoding: "utf8",
    });
    expect(output).toBe("");
  }, 60_000);

  it("imports only relative modules, @noble/* and hash-wasm", () => {
    const imports = filesUnder(join(ROOT, "core")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bfrom\s+"([^"]+)"|import\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]!)
    );
    const foreign = imports.filter((spec) => !spec.startsWith(".") && !/^(@noble\/(ciphers|hashes)\/|hash-wasm)/.test(spec));
    expect(foreign).toEqual([]);
  });
});
