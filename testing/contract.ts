/**
 * The vault conformance suite: every built-in vault (memory, secretstore, every extension against
 * its real peer) runs these same cases through the public API, and third-party vault authors run
 * them against theirs. The capabilities a vault declares decide which cases run.
 *
 *   import { testVaultContract } from "secretmanagement/testing";
 *   testVaultContract("my-vault", async () => ({ module: "my-vault-package", parameters: { … } }));
 *
 * It runs under `bun test` (through `bun:test`), `deno test` (one Deno.test with a step per case)
 * and vitest or jest (pass `test: { describe, it, beforeAll, afterAll }`, or enable their globals).
 */
import { SecretManagement } from "../mod.ts";
import type { Metadata, SecretType, SecretValue, VaultParameters } from "../core/types.ts";
import { SECRET_TYPES } from "../core/types.ts";
import { assertEqual, assertRejectsWithCode } from "./assert.ts";

export interface ContractSetup {
  /** A built-in name, a package specifier or a file URL. */
  module: string;
  parameters?: VaultParameters;
  /** Password given to unlockVault after registration, for vaults that need one. */
  password?: string;
  /** Environment variables the vault needs, set while the suite runs. */
  env?: Record<string, string>;
  cleanup?: () => Promise<void> | void;
}

/** The shape vitest, bun:test and jest share. */
export interface TestFunctions {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  beforeAll(body: () => Promise<void>): void;
  afterAll(body: () => Promise<void>): void;
}

export interface ContractOptions {
  types?: readonly SecretType[];
  metadata?: boolean;
  /** Backends whose names are case-sensitive by nature (e.g. Vault KV paths) set this to false. */
  caseInsensitive?: boolean;
  /** Makes a unique, valid name from a label (e.g. Azure allows letters, digits and "-" only). */
  nameSuffix?: (label: string) => string;
  /** The SecretManagement home for the suite; default a new directory under the system temp dir. */
  home?: string;
  /** The test framework's functions; default the globals (vitest globals, bun test), else Deno.test. */
  test?: TestFunctions;
}

export const BYTES_ALL: Uint8Array = Uint8Array.from({ length: 256 }, (_, i) => i);
export const UNICODE = "pässwörd ✓ 𝄞 😀 中文 \u{10FFFF}";

const SAMPLES: Record<SecretType, () => SecretValue> = {
  string: () => UNICODE,
  bytes: () => BYTES_ALL.slice(),
  credential: () => ({ username: "alice@example.com", password: "p@ss 𝄞 word" }),
  map: () => ({ host: "db.internal", port: "5432", key: BYTES_ALL.slice(0, 32), admin: { username: "root", password: "r00t" } }),
};

/** Changes every mutable part of a returned value in place: bytes zeroed, object fields replaced. */
function scribble(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0);
  else if (typeof value === "object" && value !== null) {
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      scribble(fields[key]);
      fields[key] = "changed";
    }
  }
}

interface Case {
  name: string;
  run: () => Promise<void>;
}

interface Plan {
  name: string;
  before: () => Promise<void>;
  after: () => Promise<void>;
  cases: Case[];
}

interface EnvAccess {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

type Globals = {
  Deno?: {
    env: EnvAccess;
    makeTempDirSync(options: { prefix: string }): string;
    test(options: { name: string; sanitizeOps: boolean; sanitizeResources: boolean; fn: (t: DenoStep) => Promise<void> }): void;
  };
  process?: { env: Record<string, string | undefined> };
} & Partial<TestFunctions>;

interface DenoStep {
  step(name: string, fn: () => Promise<void>): Promise<boolean>;
}

const globals = globalThis as unknown as Globals;

function environment(): EnvAccess {
  if (globals.Deno) return globals.Deno.env;
  const env = globals.process!.env;
  return { get: (name) => env[name], set: (name, value) => void (env[name] = value), delete: (name) => void delete env[name] };
}

async function temporaryHome(): Promise<string> {
  if (globals.Deno) return globals.Deno.makeTempDirSync({ prefix: "sm-contract-" });
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  return mkdtempSync(join(tmpdir(), "sm-contract-"));
}

/** Bun's test functions live in the `bun:test` module, which Bun lets ES modules require synchronously. */
function bunTestFunctions(): TestFunctions | undefined {
  const meta = import.meta as ImportMeta & { require?: (id: string) => TestFunctions };
  return "Bun" in globalThis && meta.require ? meta.require("bun:test") : undefined;
}

function register(plan: Plan, test: TestFunctions | undefined): void {
  const fns = test ?? bunTestFunctions() ??
    (globals.describe && globals.it && globals.beforeAll && globals.afterAll ? (globals as TestFunctions) : undefined);
  if (fns) {
    fns.describe(plan.name, () => {
      fns.beforeAll(plan.before);
      fns.afterAll(plan.after);
      for (const { name, run } of plan.cases) fns.it(name, run);
    });
    return;
  }
  if (!globals.Deno) throw new Error("testVaultContract: pass test: { describe, it, beforeAll, afterAll } for this test framework");
  globals.Deno.test({
    name: plan.name,
    // Remote vaults keep connections alive between cases; that is not a leak.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      await plan.before();
      try {
        for (const { name, run } of plan.cases) await t.step(name, run);
      } finally {
        await plan.after();
      }
    },
  });
}

export function testVaultContract(
  label: string,
  setup: () => Promise<ContractSetup> | ContractSetup,
  options: ContractOptions = {},
): void {
  const types = options.types ?? SECRET_TYPES;
  const first = types[0]!;
  const metadata = options.metadata ?? true;
  const caseInsensitive = options.caseInsensitive ?? true;
  const unique = options.nameSuffix ?? ((name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`);
  const vault = "contract";
  const env = environment();
  const savedEnv: Record<string, string | undefined> = {};
  let sm: SecretManagement;
  let ready: ContractSetup | undefined;
  const cases: Case[] = [];
  const test = (name: string, run: () => Promise<void>) => cases.push({ name, run });

  test("declares the expected capabilities and passes its test", async () => {
    const extension = await sm.getVaultExtension(vault);
    assertEqual([...extension.capabilities.types].sort(), [...types].sort(), "capabilities.types");
    assertEqual(extension.capabilities.metadata, metadata, "capabilities.metadata");
    assertEqual(await sm.testVault(vault), true, "testVault");
  });

  test("reports a missing secret as undefined to the manager and SECRET_NOT_FOUND to callers", async () => {
    const extension = await sm.getVaultExtension(vault);
    const name = unique("missing");
    assertEqual(await extension.getSecret(name), undefined, "the extension's getSecret of a missing name");
    await assertRejectsWithCode(sm.getSecret(name, { vault }), "SECRET_NOT_FOUND", "getSecret of a missing name");
    await assertRejectsWithCode(sm.removeSecret(name, { vault }), "SECRET_NOT_FOUND", "removeSecret of a missing name");
  });

  for (const type of SECRET_TYPES) {
    if (types.includes(type)) {
      test(`round-trips a ${type} exactly`, async () => {
        const name = unique(`roundtrip-${type}`);
        await sm.setSecret(name, SAMPLES[type](), { vault });
        assertEqual(await sm.getSecret(name, { vault }), SAMPLES[type](), `the ${type} read back`);
        const [info] = await sm.getSecretInfo(name, { vault });
        assertEqual(info && { name: info.name, type: info.type, vault: info.vault }, { name, type, vault }, "its info");
      });
    } else {
      test(`refuses a ${type} with UNSUPPORTED and writes nothing`, async () => {
        const name = unique(`unsupported-${type}`);
        await assertRejectsWithCode(sm.setSecret(name, SAMPLES[type](), { vault }), "UNSUPPORTED", `setSecret of a ${type}`);
        assertEqual(await (await sm.getVaultExtension(vault)).getSecret(name), undefined, "what was written");
      });
    }
  }

  test("overwrites a value, and refuses with noClobber leaving the value as it was", async () => {
    const name = unique("overwrite");
    const [older, newer] = types.includes("string") ? ["one", "two"] : [SAMPLES[first](), SAMPLES[first]()];
    await sm.setSecret(name, older!, { vault });
    await sm.setSecret(name, newer!, { vault });
    assertEqual(await sm.getSecret(name, { vault }), newer, "the overwritten value");
    await assertRejectsWithCode(sm.setSecret(name, older!, { vault, noClobber: true }), "SECRET_EXISTS", "setSecret with noClobber");
    assertEqual(await sm.getSecret(name, { vault }), newer, "the value after a refused noClobber");
  });

  // Every type but string is an object the caller can change; each is checked, nested parts too (a
  // map's bytes and credentials). A vault holding only strings has no value to change: only its
  // metadata, when it keeps any, is checked below.
  const mutable = types.filter((type) => type !== "string");
  if (mutable.length > 0) {
    test("returns copies: changing a returned value changes nothing stored", async () => {
      for (const type of mutable) {
        const name = unique(`copy-${type}`);
        await sm.setSecret(name, SAMPLES[type](), { vault });
        scribble(await sm.getSecret(name, { vault }));
        assertEqual(await sm.getSecret(name, { vault }), SAMPLES[type](), `the stored ${type} after changing a returned one`);
      }
    });
  }
  if (metadata) {
    test("returns copies of metadata: changing listed metadata changes nothing stored", async () => {
      const name = unique("copy-metadata");
      const meta: Metadata = { owner: "ops", since: new Date("2030-01-02T03:04:05.000Z") };
      await sm.setSecret(name, SAMPLES[first](), { vault, metadata: meta });
      const listed = (await sm.getSecretInfo(name, { vault }))[0]?.metadata ?? {};
      assertEqual(listed, meta, "the listed metadata");
      listed.owner = "changed";
      (listed.since as Date).setTime(0);
      listed.added = true;
      assertEqual((await sm.getSecretInfo(name, { vault }))[0]?.metadata, meta, "the stored metadata after changing listed metadata");
    });
  }

  test(caseInsensitive ? "finds names case-insensitively and keeps their spelling" : "keeps names as spelled", async () => {
    const name = unique("MixedCase");
    await sm.setSecret(name, SAMPLES[first](), { vault });
    assertEqual((await sm.getSecretInfo(name, { vault })).map((info) => info.name), [name], "the listed name");
    if (caseInsensitive) {
      assertEqual(await sm.getSecret(name.toLowerCase(), { vault }), SAMPLES[first](), "getSecret in lower case");
      assertEqual((await sm.getSecretInfo(name.toUpperCase(), { vault })).map((info) => info.name), [name], "a filter in upper case");
    }
  });

  test("lists with * and ? wildcards, and treats them literally in getSecret", async () => {
    const base = unique("wild");
    const names = [`${base}-a1`, `${base}-b2`, `${base}-c33`];
    for (const name of names) await sm.setSecret(name, SAMPLES[first](), { vault });
    assertEqual((await sm.getSecretInfo(`${base}-*`, { vault })).map((info) => info.name).sort(), names, "a * filter");
    assertEqual((await sm.getSecretInfo(`${base}-??`, { vault })).map((info) => info.name).sort(), names.slice(0, 2), "a ?? filter");
    await assertRejectsWithCode(sm.getSecret(`${base}-*`, { vault }), "SECRET_NOT_FOUND", "getSecret with a *");
  });

  test("removes a secret", async () => {
    const name = unique("remove");
    await sm.setSecret(name, SAMPLES[first](), { vault });
    await sm.removeSecret(name, { vault });
    await assertRejectsWithCode(sm.getSecret(name, { vault }), "SECRET_NOT_FOUND", "getSecret after removeSecret");
    assertEqual(await sm.getSecretInfo(name, { vault }), [], "getSecretInfo after removeSecret");
  });

  if (metadata) {
    test("stores metadata of every kind, keeps it on overwrite, replaces and clears it", async () => {
      const name = unique("meta");
      const meta: Metadata = { owner: "ops team", rotations: 3, ratio: 0.5, enabled: true, expires: new Date("2030-01-02T03:04:05.000Z") };
      const stored = async () => (await sm.getSecretInfo(name, { vault }))[0]?.metadata;
      await sm.setSecret(name, SAMPLES[first](), { vault, metadata: meta });
      assertEqual(await stored(), meta, "metadata as written");
      await sm.setSecret(name, SAMPLES[first](), { vault });
      assertEqual(await stored(), meta, "metadata after an overwrite without metadata");
      await sm.setSecretInfo(name, { owner: "dev" }, { vault });
      assertEqual(await stored(), { owner: "dev" }, "metadata after setSecretInfo");
      await sm.setSecretInfo(name, {}, { vault });
      assertEqual(await stored(), {}, "metadata after clearing it");
      assertEqual(await sm.getSecret(name, { vault }), SAMPLES[first](), "the value after metadata changes");
    });
  } else {
    test("refuses metadata with UNSUPPORTED before writing anything", async () => {
      const name = unique("meta");
      await assertRejectsWithCode(sm.setSecret(name, SAMPLES[first](), { vault, metadata: { owner: "x" } }), "UNSUPPORTED", "setSecret with metadata");
      assertEqual(await (await sm.getVaultExtension(vault)).getSecret(name), undefined, "what was written");
      await assertRejectsWithCode(sm.setSecretInfo(name, { owner: "x" }, { vault }), "UNSUPPORTED", "setSecretInfo");
    });
  }

  register({
    name: `vault contract: ${label}`,
    cases,
    before: async () => {
      ready = await setup();
      for (const [key, value] of Object.entries(ready.env ?? {})) {
        savedEnv[key] = env.get(key);
        env.set(key, value);
      }
      sm = await SecretManagement.open({ home: options.home ?? (await temporaryHome()), onVaultError: () => {} });
      await sm.registerVault(vault, ready.module, { parameters: ready.parameters ?? {} });
      if (ready.password !== undefined) await sm.unlockVault(vault, ready.password);
    },
    after: async () => {
      await ready?.cleanup?.();
      for (const [key, value] of Object.entries(savedEnv)) {
        if (value === undefined) env.delete(key);
        else env.set(key, value);
      }
    },
  }, options.test);
}
