import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "./helpers/runtimes.ts";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Source with its comments removed (prose may name runtimes freely); strings and code stay. */
function code(file: string): string {
  return readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Reaching the runtime itself: `Deno.x`, `Bun.x`, `process.x`, `globalThis…Deno`, a `node:` module. */
const RUNTIME_GLOBAL = /\bDeno\.\w|\bBun\.\w|(?<![\w.$/-])process\??\.\w|\bglobalThis\b[^;\n]*\b(Deno|Bun|process)\b|\b(from\s+|import\()"node:/;

/**
 * What may still reach the runtime's globals outside adapters/, with the reason. testing/contract.ts
 * looks for the test framework the caller runs under (Deno.test, bun:test), not for a runtime service.
 */
const MAY_REACH_RUNTIME_GLOBALS = ["testing/contract.ts"];

describe("only adapters/ reach the runtime", () => {
  it("no source outside adapters/ touches Deno, Bun, process or node: modules", () => {
    const sources = [
      ...["core", "cli", "extensions", "testing"].flatMap((dir) => filesUnder(join(ROOT, dir))),
      ...["mod.ts", "edge.ts", "extension.ts"].map((file) => join(ROOT, file)),
    ];
    const offenders = sources
      .map((file) => relative(ROOT, file))
      .filter((file) => !MAY_REACH_RUNTIME_GLOBALS.includes(file) && RUNTIME_GLOBAL.test(code(join(ROOT, file))));
    expect(offenders).toEqual([]);
  });
});

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
