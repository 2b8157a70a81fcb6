/**
 * No import cycle in cli/: a module in a cycle can be read before it has finished loading (a
 * `COMMANDS` still in its temporal dead zone). Dynamic imports count: they load modules too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/runtimes.ts";

interface Edge {
  to: string;
  /** `import type` / `export type`: erased when compiled, so it loads nothing. */
  typeOnly: boolean;
}

const CLI = join(ROOT, "cli");
const STATEMENT = /^\s*(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+"(\.[^"]+)"/gm;
const DYNAMIC = /\bimport\("(\.[^"]+)"\)/g;

function importGraph(): Map<string, Edge[]> {
  const files = readdirSync(CLI, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
  const graph = new Map<string, Edge[]>();
  for (const file of files) {
    const path = join(CLI, file);
    const text = readFileSync(path, "utf8");
    const target = (specifier: string) => relative(ROOT, resolve(dirname(path), specifier));
    graph.set(relative(ROOT, path), [
      ...[...text.matchAll(STATEMENT)].map((m) => ({ to: target(m[2]!), typeOnly: m[1] !== undefined })),
      ...[...text.matchAll(DYNAMIC)].map((m) => ({ to: target(m[1]!), typeOnly: false })),
    ]);
  }
  return graph;
}

/** The groups of modules that import each other, directly or through others (each sorted). */
function cycles(graph: Map<string, Edge[]>, follow: (edge: Edge) => boolean): string[][] {
  const reach = new Map<string, Set<string>>();
  for (const start of graph.keys()) {
    const seen = new Set<string>();
    const pending = [start];
    while (pending.length) {
      for (const edge of graph.get(pending.pop()!) ?? []) {
        if (follow(edge) && !seen.has(edge.to)) {
          seen.add(edge.to);
          pending.push(edge.to);
        }
      }
    }
    reach.set(start, seen);
  }
  const groups = new Map<string, string[]>();
  for (const [file, reached] of reach) {
    if (!reached.has(file)) continue;
    const group = [...reached].filter((other) => reach.get(other)?.has(file)).sort();
    groups.set(group.join(" "), group);
  }
  return [...groups.values()];
}

describe("cli/ imports", () => {
  const graph = importGraph();

  it("are read from every module, static, type-only and dynamic", () => {
    expect(graph.get("cli/handlers.ts")).toContainEqual({ to: "cli/commands/completion.ts", typeOnly: false });
    expect(graph.get("cli/handlers.ts")).toContainEqual({ to: "cli/table.ts", typeOnly: true });
    expect(graph.get("cli/commands/completion.ts")).toContainEqual({ to: "cli/table.ts", typeOnly: false });
  });

  it("form no cycle at run time", () => {
    expect(cycles(graph, (edge) => !edge.typeOnly)).toEqual([]);
  });

  it("form no cycle through the command table, its handlers or the parser, even counting type imports", () => {
    const table = ["cli/args.ts", "cli/table.ts", "cli/handlers.ts"];
    const involved = cycles(graph, () => true).flat().filter((file) => table.includes(file) || file.startsWith("cli/commands/"));
    expect(involved).toEqual([]);
  });
});
