/**
 * The library example at the top of docs/hashicorp-vault.md runs as written against a real OpenBao
 * (with the page's placeholder address replaced by the test server's).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSourceOn } from "./helpers/console-examples.ts";
import { tempHome } from "./helpers/home.ts";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { ROOT } from "./helpers/runtimes.ts";

let bao: OpenBao;
beforeAll(async () => {
  bao = await startOpenBao();
}, 60_000);
afterAll(async () => {
  await bao?.stop();
});

describe("docs/hashicorp-vault.md", () => {
  it("the opening example stores and reads a credential with its metadata at secret/app/db", async () => {
    const markdown = readFileSync(join(ROOT, "docs/hashicorp-vault.md"), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(markdown)![1]!;
    expect(example).toContain("https://vault.internal:8200");
    const source = [
      'import { SecretManagement } from "@root/mod.ts";',
      "const sm = await SecretManagement.open();",
      example.replace("https://vault.internal:8200", bao.address).replace(
        'await sm.getSecret("app/db", { vault: "team" });',
        'console.log(JSON.stringify(await sm.getSecret("app/db", { vault: "team" })));',
      ),
    ].join("\n");
    const result = await runSourceOn("bun", source, {
      SECRETMANAGEMENT_HOME: join(tempHome("docs-bao"), "sm"),
      VAULT_TOKEN: bao.rootToken,
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ username: "app", password: "…" });
    const stored = await bao.api("GET", "secret/metadata/app/db");
    expect(stored.data.custom_metadata).toMatchObject({ owner: "s:ops" }) // typed: s: marks a string;
  }, 60_000);
});
