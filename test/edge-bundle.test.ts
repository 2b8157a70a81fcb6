/**
 * Edge bundles are deployable as one file: a one-vault worker bundled by esbuild holds no import()
 * of a computed specifier and none of the vaults it does not import; naming, at the edge, a vault
 * that needs a file system or a native addon is UNSUPPORTED and lists the vaults that run there.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../edge.ts";
import { tempHome } from "./helpers/home.ts";
import { ROOT } from "./helpers/runtimes.ts";
import { bundleWorker, computedImports, runWorker } from "./helpers/workerd.ts";

const ONE_VAULT_WORKER = `
import { SecretManagement } from ${JSON.stringify(join(ROOT, "edge.ts"))};
import hashicorpVault from ${JSON.stringify(join(ROOT, "extensions/hashicorp-vault/mod.ts"))};
export default {
  async fetch(_request, env) {
    const sm = await SecretManagement.open({ env });
    await sm.registerVault("team", hashicorpVault, { parameters: { address: "http://127.0.0.1:1", kvVersion: 2 } });
    const refused = {};
    for (const name of ["secretstore", "keepass", "os-keyring", "lastpass", "aws-secrets-manager"]) {
      refused[name] = await sm.registerVault(name, name).then(() => "registered", (e) => [e.code, e.message]);
    }
    return Response.json(refused);
  },
};
`;

describe("a one-vault edge bundle", () => {
  const entry = join(tempHome("edge-bundle"), "worker.mjs");
  writeFileSync(entry, ONE_VAULT_WORKER);

  it("has no import() of a computed specifier and none of the other vaults", async () => {
    const code = readFileSync(await bundleWorker(entry), "utf8");
    expect(code).toContain("sys/internal/ui/mounts"); // the vault it imports is there
    expect(computedImports(code)).toEqual([]);
    expect(computedImports("const m = await import(specifier);")).toHaveLength(1); // the check sees one
    for (const absent of ["kdbxweb", "hash-wasm", "SecretStore vault", "lpass", "secretsmanager."]) expect(code).not.toContain(absent);
  }, 60_000);

  it("names the vaults that run at the edge when one that cannot is asked for, in workerd", async () => {
    const { status, text } = await runWorker(entry, {});
    expect(status, text).toBe(200);
    const refused = JSON.parse(text) as Record<string, [string, string]>;
    for (const name of ["secretstore", "keepass", "os-keyring", "lastpass"]) {
      expect(refused[name]![0]).toBe("UNSUPPORTED");
      expect(refused[name]![1]).toContain("memory, env, hashicorp-vault, aws-secrets-manager, azure-keyvault, sealed");
    }
    expect(refused["aws-secrets-manager"]![0]).toBe("UNSUPPORTED");
    expect(refused["aws-secrets-manager"]![1]).toContain("import the vault module (built-in ones are the default export of secretmanagement/vaults/aws-secrets-manager)");
  }, 60_000);

  it("is the same outside workerd: the edge entry knows only memory and env by name", async () => {
    const sm = await SecretManagement.open({ env: {} });
    await expect(sm.registerVault("k", "keepass")).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await sm.registerVault("m", "memory");
    expect((await sm.getVaults()).map((vault) => vault.name)).toEqual(["m"]);
  });
});
