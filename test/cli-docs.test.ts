/**
 * Runs the examples of docs/readme/cli.md: every ```console block, top to bottom, in one bash session
 * with `secret` on PATH (Bun) and a fresh home. After a `$ command` line come its exact output lines
 * (stdout and stderr together) and optionally `# exit N`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { homeEnv, secretCommand } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";

interface Example {
  command: string;
  output: string;
  exit: number;
}

export function parseExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const block of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) {
      if (line.startsWith("$ ")) examples.push({ command: line.slice(2), output: "", exit: 0 });
      else if (/^# exit \d+$/.test(line)) examples[examples.length - 1]!.exit = Number(line.slice(7));
      else if (line !== "" && examples.length > 0) examples[examples.length - 1]!.output += `${line}\n`;
    }
  }
  return examples;
}

describe("docs/readme/cli.md", () => {
  it("every console example prints what the page says", () => {
    const examples = parseExamples(readFileSync(join(ROOT, "docs/readme/cli.md"), "utf8"));
    expect(examples.length).toBeGreaterThan(30);
    const home = tempHome("docs");
    const work = join(home, "work");
    const bin = join(home, "bin");
    mkdirSync(work);
    mkdirSync(bin);
    const command = secretCommand("bun").map((word) => `'${word}'`).join(" ");
    writeFileSync(join(bin, "secret"), `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
    const marker = "@@example@@";
    const script = examples.map((example, i) =>
      `echo "${marker} ${i}"\n${example.command} 2>&1\necho "${marker} exit $?"`
    ).join("\n") + "\nsecret store lock >/dev/null 2>&1 || true\n";
    const result = spawnSync("bash", ["-c", script], {
      cwd: work,
      env: homeEnv(join(home, "sm"), { PATH: `${bin}:${process.env.PATH}` }),
      encoding: "utf8",
      timeout: 120_000,
    });
    const sections = result.stdout.split(`${marker} `).slice(1);
    const actual: Example[] = [];
    for (let i = 0; i < sections.length; i += 2) {
      const head = sections[i]!;
      const index = Number(head.slice(0, head.indexOf("\n")));
      const output = head.slice(head.indexOf("\n") + 1);
      const exit = Number(sections[i + 1]!.replace(/^exit /, "").trim());
      actual.push({ command: examples[index]!.command, output: output.replace(/\n*$/, "\n").replace(/^\n$/, ""), exit });
    }
    expect(actual).toEqual(examples.map((example) => ({ ...example })));
  }, 180_000);
});
