/**
 * The vault conformance suite: every vault (memory, secretstore, every extension against its real
 * peer) runs these same tests through the public API, with its own setup.
 *
 *   testVaultContract("memory", async () => ({ module: "memory" }));
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Metadata, SECRET_TYPES, SecretManagement, type SecretType, type VaultParameters } from "../../mod.ts";
import { tempHome } from "./home.ts";

export interface ContractSetup {
  module: string;
  parameters?: VaultParameters;
  /** Password given to unlockVault after registration, for vaults that need one. */
  password?: string;
  /** Environment the vault needs (merged into process.env while the suite runs). */
  env?: Record<string, string>;
  cleanup?: () => Promise<void> | void;
}

export interface ContractOptions {
  types?: readonly SecretType[];
  metadata?: boolean;
  /** Backends whose names are case-sensitive by nature (e.g. Vault KV paths) set this to false. */
  caseInsensitive?: boolean;
  /** Characters allowed in names, for backends with restricted names (e.g. Azure: letters, digits, -). */
  nameSuffix?: (label: string) => string;
}

export const BYTES_ALL = Uint8Array.from({ length: 256 }, (_, i) => i);
export const UNICODE = "pässwörd ✓ 𝄞 😀 中文 \u{10FFFF}";

const SAMPLES: Record<SecretType, () => import("../../mod.ts").SecretValue> = {
  string: () => UNICODE,
  bytes: () => BYTES_ALL.slice(),
  credential: () => ({ username: "alice@example.com", password: "p@ss 𝄞 word" }),
  map: () => ({ host: "db.internal", port: "5432", key: BYTES_ALL.slice(0, 32), admin: { username: "root", password: "r00t" } }),
};

export function testVaultContract(
  label: string,
  setup: () => Promise<ContractSetup> | ContractSetup,
  options: ContractOptions = {},
): void {
  const types = options.types ?? SECRET_TYPES;
  const metadata = options.metadata ?? true;
  const caseInsensitive = options.caseInsensitive ?? true;
  const unique = options.nameSuffix ?? ((name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`);

  describe(`vault contract: ${label}`, () => {
    let sm: SecretManagement;
    let ready: ContractSetup;
    const savedEnv: Record<string, string | undefined> = {};
    const vault = "contract";

    beforeAll(async () => {
      ready = await setup();
      for (const [key, value] of Object.entries(ready.env ?? {})) {
        savedEnv[key] = process.env[key];
        process.env[key] = value;
      }
      sm = await SecretManagement.open({ home: tempHome("contract"), onVaultError: () => {} });
      await sm.registerVault(vault, ready.module, { parameters: ready.parameters ?? {} });
      if (ready.password !== undefined) await sm.unlockVault(vault, ready.password);
    });

    afterAll(async () => {
      await ready?.cleanup?.();
      for (const [key, value] of Object.entries(savedEnv)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it("declares the expected capabilities and passes its test", async () => {
      const extension = await sm.getVaultExtension(vault);
      expect([...extension.capabilities.types].sort()).toEqual([...types].sort());
      expect(extension.capabilities.metadata).toBe(metadata);
      expect(await sm.testVault(vault)).toBe(true);
    });

    it("reports a missing secret as undefined to the manager and SECRET_NOT_FOUND to callers", async () => {
      const extension = await sm.getVaultExtension(vault);
      const name = unique("missing");
      expect(await extension.getSecret(name)).toBeUndefined();
      await expect(sm.getSecret(name, { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
      await expect(sm.removeSecret(name, { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    });

    for (const type of SECRET_TYPES) {
      if (types.includes(type)) {
        it(`round-trips a ${type} exactly`, async () => {
          const name = unique(`roundtrip-${type}`);
          await sm.setSecret(name, SAMPLES[type](), { vault });
          expect(await sm.getSecret(name, { vault })).toEqual(SAMPLES[type]());
          const [info] = await sm.getSecretInfo(name, { vault });
          expect(info).toMatchObject({ name, type, vault });
        });
      } else {
        it(`refuses a ${type} with UNSUPPORTED and writes nothing`, async () => {
          const name = unique(`unsupported-${type}`);
          await expect(sm.setSecret(name, SAMPLES[type](), { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
          expect(await (await sm.getVaultExtension(vault)).getSecret(name)).toBeUndefined();
        });
      }
    }

    it("overwrites a value, and refuses with noClobber leaving the value as it was", async () => {
      const name = unique("overwrite");
      const [first, second] = types.includes("string") ? ["one", "two"] : [SAMPLES[types[0]!](), SAMPLES[types[0]!]()];
      await sm.setSecret(name, first!, { vault });
      await sm.setSecret(name, second!, { vault });
      expect(await sm.getSecret(name, { vault })).toEqual(second);
      await expect(sm.setSecret(name, first!, { vault, noClobber: true })).rejects.toMatchObject({
        code: "SECRET_EXISTS",
      });
      expect(await sm.getSecret(name, { vault })).toEqual(second);
    });

    it("returns copies: changing a returned value changes nothing stored", async () => {
      if (!types.includes("bytes")) return expect(types.length).toBeGreaterThan(0);
      const name = unique("copy");
      await sm.setSecret(name, BYTES_ALL.slice(), { vault });
      const value = (await sm.getSecret(name, { vault })) as Uint8Array;
      value.fill(0);
      expect(await sm.getSecret(name, { vault })).toEqual(BYTES_ALL);
    });

    it(caseInsensitive ? "finds names case-insensitively and keeps their spelling" : "keeps names as spelled", async () => {
      const name = unique("MixedCase");
      await sm.setSecret(name, SAMPLES[types[0]!](), { vault });
      const found = await sm.getSecretInfo(name, { vault });
      expect(found.map((info) => info.name)).toEqual([name]);
      if (caseInsensitive) {
        expect(await sm.getSecret(name.toLowerCase(), { vault })).toEqual(SAMPLES[types[0]!]());
        expect((await sm.getSecretInfo(name.toUpperCase(), { vault })).map((info) => info.name)).toEqual([name]);
      }
    });

    it("lists with * and ? wildcards, and treats them literally in getSecret", async () => {
      const base = unique("wild");
      const names = [`${base}-a1`, `${base}-b2`, `${base}-c33`];
      for (const name of names) await sm.setSecret(name, SAMPLES[types[0]!](), { vault });
      const listed = (await sm.getSecretInfo(`${base}-*`, { vault })).map((info) => info.name).sort();
      expect(listed).toEqual(names);
      const single = (await sm.getSecretInfo(`${base}-??`, { vault })).map((info) => info.name).sort();
      expect(single).toEqual(names.slice(0, 2));
      await expect(sm.getSecret(`${base}-*`, { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    });

    it("removes a secret", async () => {
      const name = unique("remove");
      await sm.setSecret(name, SAMPLES[types[0]!](), { vault });
      await sm.removeSecret(name, { vault });
      await expect(sm.getSecret(name, { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
      expect(await sm.getSecretInfo(name, { vault })).toEqual([]);
    });

    if (metadata) {
      it("stores metadata of every kind, keeps it on overwrite, replaces and clears it", async () => {
        const name = unique("meta");
        const when = new Date("2030-01-02T03:04:05.000Z");
        const meta: Metadata = { owner: "ops team", rotations: 3, ratio: 0.5, enabled: true, expires: when };
        await sm.setSecret(name, SAMPLES[types[0]!](), { vault, metadata: meta });
        expect((await sm.getSecretInfo(name, { vault }))[0]!.metadata).toEqual(meta);
        await sm.setSecret(name, SAMPLES[types[0]!](), { vault });
        expect((await sm.getSecretInfo(name, { vault }))[0]!.metadata).toEqual(meta);
        await sm.setSecretInfo(name, { owner: "dev" }, { vault });
        expect((await sm.getSecretInfo(name, { vault }))[0]!.metadata).toEqual({ owner: "dev" });
        await sm.setSecretInfo(name, {}, { vault });
        expect((await sm.getSecretInfo(name, { vault }))[0]!.metadata).toEqual({});
        expect(await sm.getSecret(name, { vault })).toEqual(SAMPLES[types[0]!]());
      });
    } else {
      it("refuses metadata with UNSUPPORTED before writing anything", async () => {
        const name = unique("meta");
        await expect(
          sm.setSecret(name, SAMPLES[types[0]!](), { vault, metadata: { owner: "x" } }),
        ).rejects.toMatchObject({ code: "UNSUPPORTED" });
        expect(await (await sm.getVaultExtension(vault)).getSecret(name)).toBeUndefined();
        await expect(sm.setSecretInfo(name, { owner: "x" }, { vault })).rejects.toMatchObject({ code: "UNSUPPORTED" });
      });
    }
  });
}
