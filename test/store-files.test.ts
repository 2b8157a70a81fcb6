/**
 * SecretStore files around failures: a compaction that fails for lack of space after a durable write
 * (a 3 MiB tmpfs), and temporary files left by a crash, removed at the next open under the lock.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import type { Runtime } from "../core/runtime.ts";
import { FILE_NAMES, SecretStore } from "../core/store/secret-store.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";

const FAST_KDF = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) execFileSync("umount", [dir]);
});

/** A tmpfs of `size` (tests run as root). */
function smallDisk(size: string): string {
  const dir = tempHome("store-tmpfs");
  // mode=700: a tmpfs root is 1777 by default, and a home others may write to is refused.
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=700`, "tmpfs", dir]);
  mounted.push(dir);
  return dir;
}

function capturingRuntime(): Runtime & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...nodeRuntime, warnings, writeStderr: (data: string | Uint8Array) => void warnings.push(String(data)) };
}

const storeFiles = (directory: string) => readdirSync(directory).sort();

describe("SecretStore files around failures", () => {
  it("a compaction that fails for lack of space leaves the acknowledged write, a warning and no temporary file; later writes succeed too", async () => {
    const directory = join(smallDisk("3m"), "secretstore");
    const runtime = capturingRuntime();
    const store = await SecretStore.open({ runtime, directory });
    await store.create({ config: { authentication: "none" } });
    const big = (fill: string) => fill.repeat(900 * 1024);
    await store.set("big", big("a"));
    await store.set("big", big("b"));
    expect(runtime.warnings).toEqual([]);
    // Garbage now passes 1 MiB and the live bytes: compaction runs, and its new log does not fit.
    await store.set("big", big("c"));
    expect(runtime.warnings.join("")).toMatch(/the write is saved, but compacting .* failed .*ENOSPC/);
    expect(storeFiles(directory)).toEqual([FILE_NAMES.header, FILE_NAMES.key, FILE_NAMES.log].sort());
    await store.set("small", "after");
    expect(runtime.warnings.length).toBe(2); // retried, and failed again, at the next write
    const reader = await SecretStore.open({ runtime: nodeRuntime, directory });
    expect(await reader.get("big")).toBe(big("c"));
    expect(await reader.get("small")).toBe("after");
    expect(storeFiles(directory)).toEqual([FILE_NAMES.header, FILE_NAMES.key, FILE_NAMES.log].sort());
  });

  it("the CLI reports such a write as done (exit 0, a warning on stderr)", () => {
    const home = smallDisk("3m");
    const value = "v".repeat(900 * 1024);
    for (const round of [1, 2, 3]) {
      const result = secret("node", home, ["set", "big", "--stdin", "--no-password"], { input: value });
      expect({ round, status: result.status }).toEqual({ round, status: 0 });
      if (round === 3) expect(result.stderr).toContain("the write is saved, but compacting");
    }
    expect(readdirSync(join(home, "secretstore")).filter((name) => name.includes(".tmp-"))).toEqual([]);
    expect(secret("node", home, ["get", "big"]).stdout.length).toBeGreaterThanOrEqual(value.length);
  });

  it("temporary files left by a crash are removed at the next unlock, under the lock", async () => {
    const directory = join(tempHome("store-leftovers"), "secretstore");
    const store = await SecretStore.open({ runtime: nodeRuntime, directory, kdf: FAST_KDF });
    await store.create({ password: "old password" });
    await store.set("name", "value");
    // What `kill -9` during a password change or a compaction leaves: a header wrapping the key under a
    // password whose change was never acknowledged, and a half-written log.
    const other = await SecretStore.open({ runtime: nodeRuntime, directory: join(directory, "..", "other"), kdf: FAST_KDF });
    await other.create({ password: "never acknowledged" });
    writeFileSync(join(directory, `${FILE_NAMES.header}.tmp-123-abc`), readFileSync(join(directory, "..", "other", FILE_NAMES.header)));
    writeFileSync(join(directory, `${FILE_NAMES.log}.tmp-123-def`), new Uint8Array(100));
    mkdirSync(join(directory, "unrelated"));
    const reopened = await SecretStore.open({ runtime: nodeRuntime, directory });
    await reopened.unlock("old password");
    expect(storeFiles(directory)).toEqual([FILE_NAMES.header, FILE_NAMES.log, "unrelated"].sort());
    expect(await reopened.get("name")).toBe("value");
  });
});
