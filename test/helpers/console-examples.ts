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
import { ROOT, type RuntimeName, runtimeCommand } from "./runtimes.ts";
import { runWorker } from "./workerd.ts";

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
  // The last line stops an unlock agent a page may have started.
  const script = expected.map((example, i) => `echo "${marker} ${i}"\n${example.command} 2>&1\necho "${marker} exit $?"`)
    .join("\n") + "\nsecret store lock >/dev/null 2>&1 || true\n";
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

/**
 * Runs TypeScript `source` (which may import `@root/...` for files of this repository) on Deno or Bun,
 * without blocking this process, so servers the test started in-process keep answering. Resolves
 * with the exit code and output.
 */
export async function runSourceOn(
  runtime: Exclude<RuntimeName, "node">,
  source: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = tempHome(`script-${runtime}`);
  const script = join(dir, "script.ts");
  writeFileSync(script, source.replaceAll("@root/", `${ROOT}/`));
  const [command, args] = runtimeCommand(runtime, script);
  // Deno finds deno.json (and so node_modules) next to the script; this one lives in a temp dir.
  if (runtime === "deno") args.splice(args.indexOf(script), 0, "--config", join(ROOT, "deno.json"));
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number>((resolve) => child.once("close", (exit) => resolve(exit ?? 128)));
  return { code, stdout, stderr };
}

/** Source for runSourceOn: bytes (all 256 values) and a Date in metadata through one vault and back. */
export function roundTripSource(home: string, module: string, parameters: Record<string, unknown>): string {
  return `
import { SecretManagement } from "@root/mod.ts";
const sm = await SecretManagement.open({ home: ${JSON.stringify(home)} });
await sm.registerVault("v", ${JSON.stringify(module)}, { parameters: ${JSON.stringify(parameters)} });
const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const name = "rt-" + crypto.randomUUID().slice(0, 8);
await sm.setSecret(name, bytes, { vault: "v", metadata: { when: new Date(0) } });
const back = await sm.getSecret(name, { vault: "v" });
const [info] = await sm.getSecretInfo(name, { vault: "v" });
await sm.removeSecret(name, { vault: "v" });
const same = back instanceof Uint8Array && back.length === 256 && back.every((b, i) => b === i);
console.log(JSON.stringify({ same, type: info.type, when: info.metadata.when instanceof Date }));
`;
}

/**
 * Bundles test/fixtures/azure/cloud-worker.ts for workerd (as a user's bundler would) and runs it in
 * real workerd through miniflare with `bindings`; resolves with the worker's JSON answer.
 */
export async function runCloudWorker(bindings: Record<string, string>): Promise<unknown> {
  const { status, text } = await runWorker(join(ROOT, "test/fixtures/azure/cloud-worker.ts"), bindings);
  if (status !== 200) throw new Error(`worker answered ${status}: ${text}`);
  return JSON.parse(text);
}
