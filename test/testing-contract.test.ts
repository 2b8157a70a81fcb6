/**
 * secretmanagement/testing: the exported conformance suite catches a vault that breaks the
 * contract (here: values returned by reference, metadata dropped), and runs unchanged under
 * `deno test` and `bun test`.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { type TestFunctions, testVaultContract } from "../testing/mod.ts";
import { tempHome } from "./helpers/home.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";

const BROKEN_VAULT = `
const entries = new Map();
export default () => ({
  capabilities: { metadata: true, types: ["string", "bytes", "credential", "map"] },
  async getSecret(name) { return entries.get(name.toLowerCase())?.value; },
  async setSecret(name, value, metadata, options) {
    if (options?.noClobber && entries.has(name.toLowerCase())) {
      const { SecretManagementError } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "core/errors.ts")).href)});
      throw new SecretManagementError("SECRET_EXISTS", "exists");
    }
    entries.set(name.toLowerCase(), { name, value, metadata: {} });
  },
  async removeSecret(name) { entries.delete(name.toLowerCase()); },
  async getSecretInfo() { return [...entries.values()].map((e) => ({ name: e.name, type: typeof e.value === "string" ? "string" : e.value instanceof Uint8Array ? "bytes" : "map", metadata: e.metadata })); },
  async setSecretInfo(name, metadata) { },
  async test() { return true; },
});
`;

/**
 * Copies values one level deep (bytes sliced, objects spread) and hands out its metadata objects:
 * the case that once checked only the first non-string type (here bytes, copied correctly) passed it.
 */
const SHALLOW_VAULT = `
const entries = new Map();
const shallow = (value) => value instanceof Uint8Array ? value.slice() : typeof value === "object" ? { ...value } : value;
const typeOf = (value) => typeof value === "string" ? "string" : value instanceof Uint8Array ? "bytes" : "username" in value ? "credential" : "map";
export default () => ({
  capabilities: { metadata: true, types: ["string", "bytes", "credential", "map"] },
  async getSecret(name) { const entry = entries.get(name.toLowerCase()); return entry && shallow(entry.value); },
  async setSecret(name, value, metadata, options) {
    if (options?.noClobber && entries.has(name.toLowerCase())) {
      const { SecretManagementError } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "core/errors.ts")).href)});
      throw new SecretManagementError("SECRET_EXISTS", "exists");
    }
    const kept = entries.get(name.toLowerCase())?.metadata ?? {};
    entries.set(name.toLowerCase(), { name, value: shallow(value), metadata: metadata === undefined ? kept : { ...metadata } });
  },
  async removeSecret(name) { entries.delete(name.toLowerCase()); },
  async getSecretInfo(filter) {
    const pattern = new RegExp("^" + filter.replace(/[.+^$()|[\\]{}\\\\]/g, "\\\\$&").replaceAll("*", ".*").replaceAll("?", ".") + "$", "i");
    return [...entries.values()].filter((e) => pattern.test(e.name)).map((e) => ({ name: e.name, type: typeOf(e.value), metadata: e.metadata }));
  },
  async setSecretInfo(name, metadata) { entries.get(name.toLowerCase()).metadata = { ...metadata }; },
  async test() { return true; },
});
`;

async function runCollected(module: string): Promise<Map<string, string | undefined>> {
  const cases: { name: string; run: () => Promise<void> }[] = [];
  let before: () => Promise<void> = async () => {};
  let after: () => Promise<void> = async () => {};
  const test: TestFunctions = {
    describe: (_name, body) => body(),
    it: (name, run) => void cases.push({ name, run }),
    beforeAll: (body) => void (before = body),
    afterAll: (body) => void (after = body),
  };
  testVaultContract("collected", () => ({ module }), { test, home: tempHome("contract-collected") });
  const outcomes = new Map<string, string | undefined>();
  await before();
  for (const { name, run } of cases) {
    outcomes.set(name, await run().then(() => undefined, (error: Error) => error.message));
  }
  await after();
  return outcomes;
}

describe("the exported conformance suite", () => {
  it("passes the memory vault on every case", async () => {
    const outcomes = await runCollected("memory");
    expect(outcomes.size).toBeGreaterThanOrEqual(10);
    expect([...outcomes.values()].filter(Boolean)).toEqual([]);
  });

  it("fails a vault that returns stored values by reference and drops metadata, naming what differed", async () => {
    const file = join(tempHome("broken-vault"), "broken.mjs");
    writeFileSync(file, BROKEN_VAULT);
    const outcomes = await runCollected(pathToFileURL(file).href);
    expect(outcomes.get("returns copies: changing a returned value changes nothing stored")).toContain("not what was expected");
    expect(outcomes.get("stores metadata of every kind, keeps it on overwrite, replaces and clears it")).toContain("metadata as written");
    expect(outcomes.get("round-trips a string exactly")).toBeUndefined();
  });

  it("checks copies of every mutable type, nested parts included, and of metadata", async () => {
    const file = join(tempHome("shallow-vault"), "shallow.mjs");
    writeFileSync(file, SHALLOW_VAULT);
    const outcomes = await runCollected(pathToFileURL(file).href);
    expect(outcomes.get("returns copies: changing a returned value changes nothing stored")).toContain("the stored map after changing a returned one");
    expect(outcomes.get("returns copies of metadata: changing listed metadata changes nothing stored")).toContain("the stored metadata");
    expect(outcomes.get("round-trips a map exactly")).toBeUndefined();
  });

  it("runs under deno test and bun test", () => {
    const dir = tempHome("contract-runtimes");
    const file = join(dir, "memory_contract.test.ts");
    writeFileSync(file, `import { testVaultContract } from ${JSON.stringify(join(ROOT, "testing/mod.ts"))};\ntestVaultContract("memory", () => ({ module: "memory" }));\n`);
    const deno = spawnSync(join(BIN, "deno"), ["test", "-A", "--config", join(ROOT, "deno.json"), file], { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
    expect(deno.stdout + deno.stderr).toContain("round-trips a bytes exactly ... ok");
    expect(deno.status).toBe(0);
    const bun = spawnSync(join(BIN, "bun"), ["test", file], { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
    expect(bun.stdout + bun.stderr).toMatch(/1[0-9] pass/);
    expect(bun.stdout + bun.stderr).toContain(" 0 fail");
    expect(bun.status).toBe(0);
  });
});
