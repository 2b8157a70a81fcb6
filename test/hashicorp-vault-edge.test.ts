/**
 * hashicorp-vault in real workerd (miniflare) against an OpenBao dev server on loopback: a worker
 * registers it, takes the address and token from worker bindings, and round-trips values with
 * metadata over plain fetch.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { ROOT } from "./helpers/runtimes.ts";
import { runWorker } from "./helpers/workerd.ts";

let bao: OpenBao;
let work: string;

beforeAll(async () => {
  bao = await startOpenBao();
  work = mkdtempSync(join(tmpdir(), "sm-vault-edge-"));
});

afterAll(async () => {
  await bao?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// The worker uses the edge entry and imports the vault statically, as a user's worker does, so the
// bundle holds this vault and nothing else.
const WORKER = `
import { SecretManagement } from ${JSON.stringify(join(ROOT, "edge.ts"))};
import hashicorpVault from ${JSON.stringify(join(ROOT, "extensions/hashicorp-vault/mod.ts"))};
export default {
  async fetch(_request, env) {
    const sm = await SecretManagement.open({ env });
    await sm.registerVault("team", hashicorpVault, { parameters: { address: env.BAO_ADDR } });
    await sm.setSecret("edge/bytes", Uint8Array.from([0, 1, 255]), { metadata: { at: new Date(0), n: 2 } });
    await sm.setSecret("edge/login", { username: "u", password: "p" }, { noClobber: true });
    const again = await sm.setSecret("edge/login", "x", { noClobber: true }).catch((e) => e.code);
    const bytes = await sm.getSecret("edge/bytes");
    const info = await sm.getSecretInfo("edge/*");
    return Response.json({
      runtime: sm.runtime.name,
      bytes: Array.from(bytes),
      login: await sm.getSecret("edge/login"),
      again,
      info: info.map((i) => [i.name, i.type, i.metadata.n ?? null, i.metadata.at instanceof Date ? i.metadata.at.toISOString() : null]),
    });
  },
};
`;

it("runs in workerd with the address and token from bindings", async () => {
  const entry = join(work, "worker.mjs");
  writeFileSync(entry, WORKER);
  const { status, text } = await runWorker(entry, { BAO_ADDR: bao.address, VAULT_TOKEN: bao.rootToken });
  expect(status, text).toBe(200);
  expect(JSON.parse(text)).toEqual({
    runtime: "web",
    bytes: [0, 1, 255],
    login: { username: "u", password: "p" },
    again: "SECRET_EXISTS",
    info: [["edge/bytes", "bytes", 2, "1970-01-01T00:00:00.000Z"], ["edge/login", "credential", null, null]],
  });
  const stored = await bao.api("GET", "secret/data/edge/bytes");
  expect(stored.data.data).toEqual({ value: "AAH/" });
}, 60_000);
