/**
 * Runs the ```console blocks of a docs page in one bash session with `secret` (Bun) on PATH: each
 * `$ command` line is followed by its exact output (stdout and stderr together) and optionally
 * `# exit N`. Returns what the page says and what happened, for `expect(actual).toEqual(expected)`.
 * The session runs asynchronously, so a fixture server in the test's own process keeps answering.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { homeEnv, secretCommand } from "./cli.ts";
import { tempHome } from "./home.ts";

export interface ConsoleExample {
  command: string;
  output: string;
  exit: number;
}

export function parseConsoleExamples(markdown: string): ConsoleExample[] {
  const examples: ConsoleExample[] = [];
  for (const block of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) {
      if (line.startsWith("$ ")) examples.push({ command: line.slice(2), output: "", exit: 0 });
      else if (/^# exit \d+$/.test(line)) examples[examples.length - 1]!.exit = Number(line.slice(7));
      else if (line !== "" && examples.length > 0) examples[examples.length - 1]!.output += `${line}\n`;
    }
  }
  return examples;
}

export async function runConsoleExamples(
  page: string,
  env: Record<string, string> = {},
): Promise<{ expected: ConsoleExample[]; actual: ConsoleExample[] }> {
  const expected = parseConsoleExamples(readFileSync(page, "utf8"));
  const home = tempHome("console");
  const bin = join(home, "bin");
  mkdirSync(bin);
  const command = secretCommand("bun").map((word) => `'${word}'`).join(" ");
  writeFileSync(join(bin, "secret"), `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
  const marker = "@@example@@";
  const script = expected.map((example, i) => `echo "${marker} ${i}"\n${example.command} 2>&1\necho "${marker} exit $?"`)
    .join("\n");
  const child = spawn("bash", ["-c", script], {
    cwd: home,
    env: homeEnv(join(home, "sm"), { ...env, PATH: `${bin}:${env.PATH ?? process.env.PATH}` }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  await new Promise((resolve) => child.once("close", resolve));
  const sections = stdout.split(`${marker} `).slice(1);
  const actual: ConsoleExample[] = [];
  for (let i = 0; i < sections.length; i += 2) {
    const head = sections[i]!;
    const index = Number(head.slice(0, head.indexOf("\n")));
    const output = head.slice(head.indexOf("\n") + 1);
    const exit = Number(sections[i + 1]!.replace(/^exit /, "").trim());
    actual.push({ command: expected[index]!.command, output: output.replace(/\n*$/, "\n").replace(/^\n$/, ""), exit });
  }
  return { expected, actual };
}
