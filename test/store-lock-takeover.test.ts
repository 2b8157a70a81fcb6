/**
 * A writer paused (SIGSTOP) while it holds the store lock, for longer than the stale-lock age: another
 * process takes the lock over and writes; when the paused one resumes, it must fail without writing
 * anything, and the store must stay readable with every acknowledged write. Real processes on Node,
 * Deno and Bun; the stale age is shortened through SECRETMANAGEMENT_LOCK_STALE_MS (not a 60 s sleep).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { STALE_AGE_ENV } from "../core/lock.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import { tempHome } from "./helpers/home.ts";
import { modulePath, ROOT, RUNTIMES, runScript, runtimeCommand, type RuntimeName } from "./helpers/runtimes.ts";

const scenario = (name: string) => join(ROOT, "test", "scenarios", name);

/** Resolves once `pid` is stopped (state T in /proc), polling: the child stops itself. */
async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function waitForFile(path: string): Promise<string> {
  while (!existsSync(path) || readFileSync(path, "utf8") === "") await new Promise((resolve) => setTimeout(resolve, 10));
  return readFileSync(path, "utf8");
}

const cases: { runtime: RuntimeName; point: "append" | "compact"; other: RuntimeName }[] = RUNTIMES.flatMap((runtime, i) => [
  { runtime, point: "append" as const, other: RUNTIMES[(i + 1) % RUNTIMES.length]! },
  { runtime, point: "compact" as const, other: RUNTIMES[(i + 2) % RUNTIMES.length]! },
]);

describe("a lock holder paused past the stale age", () => {
  for (const { runtime, point, other } of cases) {
    it(`${runtime}, paused before its ${point}: ${other} takes over and writes; the resumed writer fails and the store keeps every acknowledged write`, async () => {
      const home = tempHome("store-takeover");
      const directory = join(home, "secretstore");
      const setup = await SecretStore.open({ runtime: nodeRuntime, directory });
      await setup.create({ config: { authentication: "none" } });
      await setup.set("keep", "kept");
      await setup.set("churn", "x".repeat(1000));
      await setup.set("churn", "y".repeat(1000)); // garbage, so a compaction really drops something

      const marker = join(home, "paused");
      const [command, args] = runtimeCommand(runtime, scenario("store-paused-writer.mjs"), [modulePath(runtime), directory, point, marker]);
      const writer = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      writer.stdout.setEncoding("utf8").on("data", (chunk: string) => void (stdout += chunk));
      writer.stderr.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => writer.on("close", resolve));
      const pid = Number(await waitForFile(marker));
      await stopped(pid);
      expect(JSON.parse(readFileSync(join(directory, FILE_NAMES.lock), "utf8")).pid).toBe(pid);

      // Another runtime finds the lock stale (by age: its holder is alive but stopped) and writes.
      const taker = runScript(other, scenario("store-set.mjs"), [modulePath(other), directory, "b", "from the taker"], {
        env: { [STALE_AGE_ENV]: "300" },
      });
      expect({ status: taker.status, stderr: taker.stderr }).toEqual({ status: 0, stderr: "" });

      process.kill(pid, "SIGCONT");
      expect(await exited).toBe(0);
      expect(stderr).toBe("");
      expect(stdout.trim()).toBe(point === "append" ? "error:LOCK_TIMEOUT" : "error:IO_ERROR");

      const reader = await SecretStore.open({ runtime: nodeRuntime, directory });
      expect(await reader.get("keep")).toBe("kept");
      expect(await reader.get("churn")).toBe("y".repeat(1000));
      expect(await reader.get("b")).toBe("from the taker");
      expect(await reader.get("big")).toBeUndefined();
      await reader.set("after", "still writable");
      const fresh = await SecretStore.open({ runtime: nodeRuntime, directory });
      expect((await fresh.list("*")).map((info) => info.name).sort()).toEqual(["after", "b", "churn", "keep"]);
      // No temporary file, no left-over lock.
      expect(readdirSync(directory).sort()).toEqual([FILE_NAMES.header, FILE_NAMES.key, FILE_NAMES.log].sort());
    }, 60_000);
  }
});
