/**
 * hashicorp-vault against servers that are not quite Vault (test/helpers/fake-server.ts): a proxy's
 * HTML sign-in page or a success without Vault's body is VAULT_UNAVAILABLE for every operation (never
 * "not found", never "written"); a hanging server gives up after the `timeout` parameter per attempt
 * within a bounded number of attempts; a huge error body is not read whole. And in front of a real
 * OpenBao, a proxy that holds a first write past the timeout and delivers it late cannot make that
 * write land over a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement, type VaultParameters } from "../mod.ts";
import { type FakeAnswer, type FakeRequest, forward, hang, html, hugeBody, json, startFakeServer } from "./helpers/fake-server.ts";
import { tempHome } from "./helpers/home.ts";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";

const TOKEN = "fake-server-token";
const saved = process.env.VAULT_TOKEN;
beforeAll(() => {
  process.env.VAULT_TOKEN = TOKEN;
});
afterAll(() => {
  if (saved === undefined) delete process.env.VAULT_TOKEN;
  else process.env.VAULT_TOKEN = saved;
});

/** What Vault answers to a token lookup, so that the requests under test are the KV ones. */
function lookupSelf(request: FakeRequest): FakeAnswer | undefined {
  return request.url.startsWith("/v1/auth/token/lookup-self") ? json({ data: { ttl: 0, renewable: false } }) : undefined;
}

async function vaultAt(address: string, parameters: VaultParameters = {}): Promise<SecretManagement> {
  const sm = await SecretManagement.open({ home: tempHome("vault-http"), onVaultError: () => {} });
  await sm.registerVault("v", "hashicorp-vault", { parameters: { address, kvVersion: 2, timeout: 2, ...parameters } });
  return sm;
}

/** Each operation of the vault, run to its end: what it resolved to, or the error's code. */
async function everyOperation(sm: SecretManagement): Promise<Record<string, string>> {
  const outcome = (work: Promise<unknown>) => work.then((value) => `resolved ${JSON.stringify(value)}`, (error) => error.code);
  return {
    get: await outcome(sm.getSecret("app/db", { vault: "v" })),
    set: await outcome(sm.setSecret("app/db", "value", { vault: "v" })),
    info: await outcome(sm.getSecretInfo("app/db", { vault: "v" })),
    list: await outcome(sm.getSecretInfo("app/*", { vault: "v" })),
    remove: await outcome(sm.removeSecret("app/db", { vault: "v" })),
  };
}

const ALL_UNAVAILABLE = { get: "VAULT_UNAVAILABLE", set: "VAULT_UNAVAILABLE", info: "VAULT_UNAVAILABLE", list: "VAULT_UNAVAILABLE", remove: "VAULT_UNAVAILABLE" };

describe("hashicorp-vault when something other than Vault answers", () => {
  for (const kvVersion of [1, 2]) {
    it(`reports a proxy's HTML sign-in page (HTTP 200) as VAULT_UNAVAILABLE for every operation, KV v${kvVersion}`, async () => {
      const fake = await startFakeServer((request) => lookupSelf(request) ?? html());
      try {
        expect(await everyOperation(await vaultAt(fake.url, { kvVersion }))).toEqual(ALL_UNAVAILABLE);
      } finally {
        await fake.stop();
      }
    });

    it(`reports a JSON success without Vault's data as VAULT_UNAVAILABLE, never "not found" or "written", KV v${kvVersion}`, async () => {
      const fake = await startFakeServer((request) => lookupSelf(request) ?? json({}));
      try {
        expect(await everyOperation(await vaultAt(fake.url, { kvVersion }))).toEqual(ALL_UNAVAILABLE);
      } finally {
        await fake.stop();
      }
    });
  }

  it("reports a KV v2 mount that is still upgrading its storage (HTTP 400) as VAULT_UNAVAILABLE, not a bad request", async () => {
    const fake = await startFakeServer((request) =>
      lookupSelf(request) ?? json({ errors: ["Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly."] }, 400)
    );
    try {
      expect(await everyOperation(await vaultAt(fake.url, { kvVersion: 2 }))).toEqual(ALL_UNAVAILABLE);
    } finally {
      await fake.stop();
    }
  });

  it("reports a KV v2 write answered with an empty success as VAULT_UNAVAILABLE (nothing says it was kept)", async () => {
    const fake = await startFakeServer((request) =>
      lookupSelf(request) ?? (request.method === "GET" ? json({ errors: [] }, 404) : json({}))
    );
    try {
      const sm = await vaultAt(fake.url);
      await expect(sm.setSecret("app/db", "value", { vault: "v" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toContain("POST /v1/secret/data/app/db");
    } finally {
      await fake.stop();
    }
  });

  it("reports a mount lookup (kvVersion auto) or a login answered with an empty success as VAULT_UNAVAILABLE", async () => {
    const fake = await startFakeServer((request) => lookupSelf(request) ?? json({}));
    process.env.SM_TEST_ROLE = "role";
    process.env.SM_TEST_SECRET = "secret-id-value";
    try {
      const auto = await vaultAt(fake.url, { kvVersion: "auto" });
      await expect(auto.getSecret("x", { vault: "v" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      const approle = await vaultAt(fake.url, { auth: "approle", roleIdEnv: "SM_TEST_ROLE", secretIdEnv: "SM_TEST_SECRET" });
      const error = await approle.getSecret("x", { vault: "v" }).catch((e) => e);
      expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(error.message).not.toContain("secret-id-value");
    } finally {
      delete process.env.SM_TEST_ROLE;
      delete process.env.SM_TEST_SECRET;
      await fake.stop();
    }
  });

  it("gives up on a server that never answers after the timeout, within a bounded number of attempts", async () => {
    const fake = await startFakeServer((request) => lookupSelf(request) ?? hang());
    try {
      const sm = await vaultAt(fake.url, { timeout: 1 });
      const read = await sm.getSecret("held", { vault: "v" }).catch((e) => e);
      expect(read).toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "v" });
      expect(read.message).toMatch(/no answer within \d+ ms|no usable answer within 2000 ms/);
      const reads = fake.requests.filter((request) => request.url === "/v1/secret/data/held");
      // 1 s per attempt and 2 s for the whole call make it two attempts (a third only if a timer rounds down), not 4.
      expect(reads.length).toBeGreaterThanOrEqual(1);
      expect(reads.length).toBeLessThanOrEqual(3);
      fake.requests.length = 0;
      const write = await sm.setSecret("held", "v", { vault: "v" }).catch((e) => e);
      expect(write).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      // The write never went out: the version read before it hung first.
      expect(fake.requests.filter((request) => request.method === "POST")).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it("never sends a write twice when its answer does not come in time", async () => {
    const fake = await startFakeServer((request) =>
      lookupSelf(request) ?? (request.method === "GET" ? json({ errors: [] }, 404) : hang())
    );
    try {
      const sm = await vaultAt(fake.url, { timeout: 1 });
      const error = await sm.setSecret("once", "value", { vault: "v" }).catch((e) => e);
      expect(error).toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(error.message).toContain("may or may not have been applied");
      expect(fake.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });

  it("reads only the start of a huge error body (200 MB), and reports VAULT_UNAVAILABLE", async () => {
    const size = 200 * 1024 * 1024;
    const fake = await startFakeServer((request) => lookupSelf(request) ?? hugeBody(size, 500));
    try {
      const sm = await vaultAt(fake.url, { timeout: 10 });
      await expect(sm.getSecret("big", { vault: "v" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      const attempts = fake.requests.filter((request) => request.url === "/v1/secret/data/big").length;
      expect(attempts).toBeGreaterThanOrEqual(1);
      // What sits in socket buffers when the client stops reading is a few MB per attempt, not the body.
      expect(fake.hugeBytesSent()).toBeLessThan(size / 4);
    } finally {
      await fake.stop();
    }
  });
});

describe("hashicorp-vault behind a proxy that delivers a held write late", () => {
  let bao: OpenBao;
  beforeAll(async () => {
    bao = await startOpenBao();
  });
  afterAll(async () => {
    await bao?.stop();
  });

  it("set A (held 2.5 s with timeout=1), then set B: the final value is B, and set A did not report success", async () => {
    let held = false;
    const proxy = await startFakeServer((request) => {
      // The first write of the data is held past the client's timeout, then delivered anyway.
      if (!held && request.method === "POST" && request.url === "/v1/secret/data/ord") {
        held = true;
        return forward(bao.address, 2_500);
      }
      return forward(bao.address);
    });
    process.env.VAULT_TOKEN = bao.rootToken;
    try {
      const sm = await vaultAt(proxy.url, { timeout: 1, kvVersion: "auto" });
      const setA = await sm.setSecret("ord", "A", { vault: "v" }).then(() => "ok", (error) => error.code);
      await sm.setSecret("ord", "B", { vault: "v" });
      await proxy.forwarded();
      expect(held).toBe(true);
      expect(setA).toBe("VAULT_UNAVAILABLE");
      const stored = await bao.api("GET", "secret/data/ord");
      expect(stored.data.data).toEqual({ value: "B" });
      expect(await sm.getSecret("ord", { vault: "v" })).toBe("B");
    } finally {
      process.env.VAULT_TOKEN = TOKEN;
      await proxy.stop();
    }
  });
});
