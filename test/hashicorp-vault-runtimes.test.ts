/**
 * hashicorp-vault on Node, Deno and Bun against an OpenBao dev server on https whose certificate
 * comes from a CA of its own: with `caFile` each runtime connects (Node through an undici Agent,
 * Deno through Deno.createHttpClient, Bun through fetch's tls option); without it the certificate
 * is refused and the error is VAULT_UNAVAILABLE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { modulePath, ROOT, runtimeCommand, type RuntimeName, runAsync } from "./helpers/runtimes.ts";

let bao: OpenBao;
let work: string;

beforeAll(async () => {
  bao = await startOpenBao({ tls: true });
  work = mkdtempSync(join(tmpdir(), "sm-vault-runtimes-"));
});

afterAll(async () => {
  await bao?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A script that sets and gets one secret with and without caFile and prints what happened as JSON. */
function script(runtime: RuntimeName): string {
  return `
import { SecretManagement } from ${JSON.stringify(modulePath(runtime))};
const [address, caFile, home] = ${runtime === "deno" ? "Deno.args" : "process.argv.slice(2)"};
const sm = await SecretManagement.open({ home, onVaultError: () => {} });
await sm.registerVault("tls", "hashicorp-vault", { parameters: { address, caFile } });
await sm.registerVault("untrusted", "hashicorp-vault", { parameters: { address, timeout: 5 } });
const name = "runtime-${runtime}";
await sm.setSecret(name, { username: "u-${runtime}", password: "p" }, { vault: "tls", metadata: { n: 1 } });
const value = await sm.getSecret(name, { vault: "tls" });
const [info] = await sm.getSecretInfo(name, { vault: "tls" });
const refused = await sm.getSecret(name, { vault: "untrusted" }).then(() => "read", (error) => error.code);
console.log(JSON.stringify({ value, type: info.type, metadata: info.metadata, refused }));
`;
}

function runOn(runtime: RuntimeName): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(work, `tls-${runtime}.${runtime === "node" ? "mjs" : "ts"}`);
  writeFileSync(file, script(runtime));
  const home = mkdtempSync(join(work, `home-${runtime}-`));
  const [command, args] = runtimeCommand(runtime, file, [bao.address, bao.caFile!, home]);
  // The script lives outside the repository: Deno finds the npm packages through the repo's config.
  if (runtime === "deno") args.splice(args.indexOf(file), 0, "--config", join(ROOT, "deno.json"));
  const env: NodeJS.ProcessEnv = { ...process.env, VAULT_TOKEN: bao.rootToken };
  // The machine's extra CA bundle must not be what makes the connection work.
  delete env.NODE_EXTRA_CA_CERTS;
  return runAsync(command, args, env);
}

/**
 * 50 SecretManagement.open with the same caFile, one read each, on Node: they share one TLS agent
 * (tls.ts), so the process holds a few sockets, not one kept-alive connection pool per open.
 */
function manyOpensScript(): string {
  return `
import { readdirSync, readlinkSync } from "node:fs";
import { SecretManagement } from ${JSON.stringify(modulePath("node"))};
const [address, caFile, home] = process.argv.slice(2);
const sockets = () => readdirSync("/proc/self/fd").filter((fd) => {
  try { return readlinkSync(\`/proc/self/fd/\${fd}\`).startsWith("socket:"); } catch { return false; }
}).length;
const first = await SecretManagement.open({ home });
await first.registerVault("tls", "hashicorp-vault", { parameters: { address, caFile, kvVersion: 2 } });
await first.setSecret("many-opens", "v", { vault: "tls" });
const before = sockets();
let read = 0;
for (let i = 0; i < 50; i++) {
  const sm = await SecretManagement.open({ home });
  if ((await sm.getSecret("many-opens", { vault: "tls" })) === "v") read++;
}
console.log(JSON.stringify({ read, before, after: sockets() }));
`;
}

describe("hashicorp-vault over https with caFile", () => {
  it("keeps the sockets of 50 opens with the same caFile to a few on Node (one TLS agent per CA)", async () => {
    const file = join(work, "many-opens.mjs");
    writeFileSync(file, manyOpensScript());
    const home = mkdtempSync(join(work, "home-many-"));
    const env: NodeJS.ProcessEnv = { ...process.env, VAULT_TOKEN: bao.rootToken };
    delete env.NODE_EXTRA_CA_CERTS;
    const result = await runAsync(process.execPath, [file, bao.address, bao.caFile!, home], env);
    expect(result.code, result.stderr).toBe(0);
    const { read, before, after } = JSON.parse(result.stdout.trim().split("\n").pop()!);
    expect(read).toBe(50);
    // One agent: its pool reuses the kept-alive connection; an agent per open would leave 50 behind.
    expect(after - before).toBeLessThanOrEqual(4);
  }, 60_000);

  for (const runtime of ["node", "deno", "bun"] as const) {
    it(`connects on ${runtime} with caFile and is refused without it`, async () => {
      const result = await runOn(runtime);
      expect(result.stderr + result.stdout).not.toContain("\"p\"\n");
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout.trim().split("\n").pop()!)).toEqual({
        value: { username: `u-${runtime}`, password: "p" },
        type: "credential",
        metadata: { n: 1 },
        refused: "VAULT_UNAVAILABLE",
      });
    }, 60_000);
  }
});
