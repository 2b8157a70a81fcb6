// The conformance suite every built-in vault passes, run against this package by its name:
// `npm test` (vitest with --globals), `deno test -A test/` and `bun test test/`.
import { testVaultContract } from "secretmanagement/testing";

const dir = globalThis.Deno ? Deno.makeTempDirSync() : (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/jsonfile-`);

testVaultContract("jsonfile", () => ({
  module: "secretmanagement-vault-jsonfile",
  parameters: { path: `${dir}/secrets.json` },
}));
