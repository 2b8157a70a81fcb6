/**
 * cli/host.ts `startDetached` for Node, Deno and Bun, over `node:child_process` for its `detached`,
 * which Runtime.spawn does not offer. Loaded only when the unlock agent is started.
 */
import type { DetachedOptions, DetachedStart } from "../../cli/host.ts";

export async function startDetached(command: string[], options: DetachedOptions): Promise<DetachedStart> {
  const { spawn } = await import("node:child_process");
  const [program, ...args] = command;
  const child = spawn(program!, args, {
    detached: true,
    stdio: ["pipe", "pipe", "ignore"],
    cwd: options.cwd,
    env: options.env,
  });
  return new Promise((resolve) => {
    let output = "";
    const fail = (failure: DetachedStart) => {
      child.kill();
      resolve(failure);
    };
    const timer = setTimeout(() => fail({ failure: "timeout" }), options.timeoutMs);
    child.once("error", (error) => fail({ failure: "spawn", message: error.message }));
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      output += chunk;
      const newline = output.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout!.destroy();
      child.unref();
      resolve({ line: output.slice(0, newline) });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!output.includes("\n")) fail({ failure: "exit", code });
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(options.input);
  });
}
