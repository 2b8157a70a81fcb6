/**
 * What a warm worker's read costs, counted by a proxy in front of OpenBao: a module-scope
 * SecretManagement in workerd reads with exactly one HTTP request when kvVersion is configured (the
 * token lookup and the mount probe happen once per vault instance, never on the hot path), and with
 * the read cache no request at all within its TTL, until a write through the instance.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempHome } from "./helpers/home.ts";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { ROOT } from "./helpers/runtimes.ts";
import { bundleWorker, type RunningWorker, startWorker } from "./helpers/workerd.ts";

let bao: OpenBao;
let proxy: Server;
let proxyAddress: string;
let worker: RunningWorker;
const seen: string[] = [];

/** Forwards every request to OpenBao and records "METHOD /path". */
function startCountingProxy(target: string): Promise<Server> {
  const { hostname, port } = new URL(target);
  const server = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`);
    const forwarded = httpRequest({ hostname, port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on("error", () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Three instances at module scope, as a worker keeps them across requests: kvVersion set, kvVersion
// probed ("auto"), and kvVersion set with the read cache.
const WORKER = `
import { SecretManagement } from ${JSON.stringify(join(ROOT, "edge.ts"))};
import hashicorpVault from ${JSON.stringify(join(ROOT, "extensions/hashicorp-vault/mod.ts"))};
const instances = {};
function instance(kind, env) {
  instances[kind] ??= (async () => {
    const sm = await SecretManagement.open({ env, ...(kind === "cached" ? { cache: { ttlSeconds: 3600 } } : {}) });
    const kvVersion = kind === "probed" ? "auto" : 2;
    await sm.registerVault("team", hashicorpVault, { parameters: { address: env.BAO_ADDR, kvVersion } });
    return sm;
  })();
  return instances[kind];
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const sm = await instance(url.searchParams.get("kind"), env);
    const name = url.searchParams.get("name");
    if (url.pathname === "/set") await sm.setSecret(name, url.searchParams.get("value"));
    return Response.json({ value: await sm.getSecret(name) });
  },
};
`;

beforeAll(async () => {
  bao = await startOpenBao();
  proxy = await startCountingProxy(bao.address);
  proxyAddress = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  await bao.api("POST", "secret/data/hot", { data: { value: "v1" } });
  const entry = join(tempHome("edge-requests"), "worker.mjs");
  writeFileSync(entry, WORKER);
  worker = await startWorker(await bundleWorker(entry), { BAO_ADDR: proxyAddress, VAULT_TOKEN: bao.rootToken });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  proxy?.close();
  await bao?.stop();
});

/** The requests OpenBao saw while `work` ran. */
async function requestsDuring(work: () => Promise<unknown>): Promise<string[]> {
  seen.length = 0;
  await work();
  return [...seen];
}

async function read(kind: string, name = "hot"): Promise<unknown> {
  const { status, text } = await worker.fetch(`/?kind=${kind}&name=${name}`);
  expect(status, text).toBe(200);
  return JSON.parse(text).value;
}

describe("requests per read from a warm worker", () => {
  it("with kvVersion set: one GET of the secret per read, the token looked up once per instance", async () => {
    const cold = await requestsDuring(() => read("fixed"));
    expect(cold).toEqual(["GET /v1/auth/token/lookup-self", "GET /v1/secret/data/hot"]);
    for (let i = 0; i < 3; i++) {
      expect(await requestsDuring(async () => expect(await read("fixed")).toBe("v1"))).toEqual(["GET /v1/secret/data/hot"]);
    }
  }, 60_000);

  it("with kvVersion auto: the mount is probed once per instance, then one request per read", async () => {
    const cold = await requestsDuring(() => read("probed"));
    expect(cold.filter((line) => line.includes("sys/internal/ui/mounts"))).toHaveLength(1);
    expect(await requestsDuring(() => read("probed"))).toEqual(["GET /v1/secret/data/hot"]);
  }, 60_000);

  it("with the read cache: no request within the TTL; a write through the instance is not hidden by it", async () => {
    await read("cached");
    expect(await requestsDuring(async () => {
      for (let i = 0; i < 3; i++) expect(await read("cached")).toBe("v1");
    })).toEqual([]);
    const { status } = await worker.fetch("/set?kind=cached&name=hot&value=v2");
    expect(status).toBe(200);
    expect(await read("cached")).toBe("v2");
    expect(await requestsDuring(() => read("cached"))).toEqual([]);
    // Another writer's change shows only after the TTL, which is what the cache is for; an instance
    // without it sees the change at once.
    await bao.api("POST", "secret/data/hot", { data: { value: "v3" } });
    expect(await read("cached")).toBe("v2");
    expect(await read("fixed")).toBe("v3");
  }, 60_000);
});
