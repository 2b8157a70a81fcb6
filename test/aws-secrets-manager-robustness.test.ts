/**
 * aws-secrets-manager: parameters checked at registration (no secret in them, none echoed), the
 * `timeout` and `maxConcurrent` parameters, idempotent writes (ClientRequestToken), empty values,
 * error messages that neither mangle AWS's text nor quote the value, capped error bodies, and
 * SecretBinary written by other tools. Against moto with signature checking on, through a small
 * proxy in front of it where an answer must go missing, or against a scripted local server.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import type { VaultParameters } from "../core/types.ts";
import { quotesAny } from "../extensions/aws-secrets-manager/mod.ts";
import { signRequest } from "../extensions/aws-secrets-manager/sigv4.ts";
import { secret } from "./helpers/cli.ts";
import { streamHugeBody } from "./helpers/fake-server.ts";
import { tempHome } from "./helpers/home.ts";
import { type Moto, startMoto } from "./helpers/moto.ts";

interface Hit {
  target: string;
  body: Record<string, unknown>;
}

/** A local HTTP server; `answer` gets each request with its parsed JSON body. */
async function listen(
  answer: (hit: Hit, request: IncomingMessage, response: ServerResponse, raw: Buffer) => void,
): Promise<{ server: Server; url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        // Not JSON: recorded as an empty body.
      }
      const hit = { target: String(request.headers["x-amz-target"] ?? "").replace("secretsmanager.", ""), body };
      hits.push(hit);
      answer(hit, request, response, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let moto: Moto;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  moto = await startMoto({ auth: true });
  const env = {
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  };
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}, 60_000);

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await moto?.stop();
});

/** The error a promise rejects with (the test fails when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

const open = (label: string) => SecretManagement.open({ home: tempHome(label), onVaultError: () => {} });

/** A signed call straight to moto, as another AWS tool would make it. */
async function awsCall(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = new URL(moto.endpoint);
  const payload = JSON.stringify(body);
  const headers = signRequest({
    method: "POST",
    url,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `secretsmanager.${action}` },
    body: payload,
    region: "us-east-1",
    service: "secretsmanager",
    date: new Date(),
  }, moto.credentials);
  const response = await fetch(url, { method: "POST", headers, body: payload });
  return await response.json() as Record<string, unknown>;
}

describe("aws-secrets-manager parameters are checked at registration", () => {
  const CANARY = "AKIAEXAMPLECANARY:canary-secret-key-9f2";

  it("refuses a literal credential without echoing it, and stores nothing", async () => {
    const sm = await open("aws-literal");
    const error = await failure(sm.registerVault("a", "aws-secrets-manager", {
      parameters: { region: "us-east-1", credential: CANARY },
    }));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(error.message).toContain("secret://");
    expect(`${error.message} ${error.stack}`).not.toContain("canary");
    expect(`${error.message} ${error.stack}`).not.toContain("AKIA");
    expect(await sm.getVaults()).toEqual([]);
  });

  it("refuses it through the CLI too, with and without --debug: non-zero exit, nothing in vaults.json, no echo", () => {
    for (const debug of [[], ["--debug"]]) {
      const home = tempHome("aws-literal-cli");
      const result = secret("node", home, [
        ...debug,
        "vault",
        "register",
        "a",
        "aws-secrets-manager",
        "--param",
        "region=us-east-1",
        "--param",
        `credential=${CANARY}`,
      ]);
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).not.toContain("canary");
      expect(result.stdout + result.stderr).not.toContain("AKIA");
      const registry = join(home, "vaults.json");
      if (existsSync(registry)) expect(readFileSync(registry, "utf8")).not.toContain("canary");
      const list = secret("node", home, ["vault", "list", "--json"]);
      expect(list.stdout).not.toContain("canary");
    }
  });

  it("refuses secret-bearing parameters, saying where the secret goes, and unknown ones, listing the known", async () => {
    const sm = await open("aws-params");
    const secretKey = await failure(sm.registerVault("a", "aws-secrets-manager", {
      parameters: { region: "us-east-1", secretAccessKey: "canary-secret-key" },
    }));
    expect(secretKey).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(secretKey.message).toContain("AWS_SECRET_ACCESS_KEY");
    expect(secretKey.message).not.toContain("canary");
    const unknown = await failure(sm.registerVault("b", "aws-secrets-manager", {
      parameters: { region: "us-east-1", timeOut: 5 },
    }));
    expect(unknown).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(unknown.message).toContain("unknown parameter timeOut");
    expect(unknown.message).toContain("timeout");
    expect(unknown.message).toContain("maxConcurrent");
    const wrong: VaultParameters[] = [{ timeout: 0 }, { timeout: "soon" }, { maxConcurrent: 0 }, { recoveryWindowDays: 3 }, { endpoint: "ftp://x" }];
    for (const parameters of wrong) {
      await expect(sm.registerVault("c", "aws-secrets-manager", { parameters: { region: "us-east-1", ...parameters } }))
        .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    expect(await sm.getVaults()).toEqual([]);
    await sm.registerVault("ok", "aws-secrets-manager", {
      parameters: { region: "us-east-1", credential: "secret://elsewhere/aws", timeout: "2.5", maxConcurrent: "4" },
    });
  });
});

describe("aws-secrets-manager timeout", () => {
  it("gives up on a server that never answers with VAULT_UNAVAILABLE after a bounded number of attempts", async () => {
    const hanging = await listen(() => {
      // Never answers.
    });
    try {
      const sm = await open("aws-hang");
      await sm.registerVault("hang", "aws-secrets-manager", {
        parameters: { region: "us-east-1", endpoint: hanging.url, timeout: 1 },
      });
      await expect(sm.getSecret("x", { vault: "hang" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE", vault: "hang" });
      // Two calls at once (value and description), each tried until the deadline of twice the timeout.
      expect(hanging.hits.length).toBeGreaterThanOrEqual(2);
      expect(hanging.hits.length).toBeLessThanOrEqual(8);
      hanging.hits.length = 0;
      await expect(sm.setSecret("x", "value", { vault: "hang" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(hanging.hits.length).toBeGreaterThanOrEqual(1);
      expect(hanging.hits.length).toBeLessThanOrEqual(4);
    } finally {
      await close(hanging.server);
    }
  }, 30_000);
});

describe("aws-secrets-manager maxConcurrent", () => {
  it("keeps at most maxConcurrent requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = await listen((_hit, _request, response) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        response.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "no such secret" }));
      }, 30);
    });
    try {
      const sm = await open("aws-cap");
      await sm.registerVault("cap", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: slow.url, maxConcurrent: 2 } });
      const extension = await sm.getVaultExtension("cap");
      const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
      expect(await Promise.all(names.map((name) => extension.getSecret(name)))).toEqual(names.map(() => undefined));
      expect(slow.hits).toHaveLength(16);
      expect(peak).toBe(2);
    } finally {
      await close(slow.server);
    }
  });
});

/** A proxy to moto that forwards everything, and drops moto's answer to the first request of `action`. */
async function droppingProxy(action: string) {
  let dropped = false;
  return await listen((hit, request, response, raw) => {
    const upstream = httpRequest(`${moto.endpoint}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        if (hit.target === action && !dropped) {
          // Moto acted on it; the client never hears so.
          dropped = true;
          response.socket?.destroy();
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        response.end(Buffer.concat(chunks));
      });
    });
    upstream.end(raw);
  });
}

describe("aws-secrets-manager writes are idempotent (ClientRequestToken)", () => {
  it("a CreateSecret whose answer was lost is sent again and succeeds, noClobber included", async () => {
    const proxy = await droppingProxy("CreateSecret");
    try {
      const sm = await open("aws-idem-create");
      await sm.registerVault("p", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: proxy.url } });
      await sm.setSecret("idem-create", "first", { vault: "p", noClobber: true, metadata: { team: "ops" } });
      const creates = proxy.hits.filter((hit) => hit.target === "CreateSecret");
      expect(creates).toHaveLength(2);
      expect(typeof creates[0]!.body.ClientRequestToken).toBe("string");
      expect(creates[1]!.body.ClientRequestToken).toBe(creates[0]!.body.ClientRequestToken);
      expect(await sm.getSecret("idem-create", { vault: "p" })).toBe("first");
      expect(await sm.getSecretInfo("idem-create", { vault: "p" }))
        .toEqual([{ name: "idem-create", type: "string", vault: "p", metadata: { team: "ops" } }]);
    } finally {
      await close(proxy.server);
    }
  });

  it("a PutSecretValue whose answer was lost is sent again and makes one version", async () => {
    await awsCall("CreateSecret", { Name: "idem-put", SecretString: "old" });
    const proxy = await droppingProxy("PutSecretValue");
    try {
      const sm = await open("aws-idem-put");
      await sm.registerVault("p", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: proxy.url } });
      await sm.setSecret("idem-put", "new", { vault: "p" });
      const puts = proxy.hits.filter((hit) => hit.target === "PutSecretValue");
      expect(puts).toHaveLength(2);
      expect(puts[1]!.body.ClientRequestToken).toBe(puts[0]!.body.ClientRequestToken);
      expect(await sm.getSecret("idem-put", { vault: "p" })).toBe("new");
      const versions = await awsCall("ListSecretVersionIds", { SecretId: "idem-put" });
      expect((versions.Versions as unknown[]).length).toBe(2);
    } finally {
      await close(proxy.server);
    }
  });
});

describe("aws-secrets-manager against moto: empty values and other tools' secrets", () => {
  let sm: SecretManagement;
  beforeAll(async () => {
    sm = await open("aws-moto");
    await sm.registerVault("aws", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
  });

  it("refuses an empty string or empty bytes before writing (AWS would keep a secret without a value)", async () => {
    for (const [name, value] of [["empty-string", ""], ["empty-bytes", new Uint8Array(0)]] as const) {
      await expect(sm.setSecret(name, value, { vault: "aws" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
      expect(await sm.getSecretInfo(name, { vault: "aws" })).toEqual([]);
      expect((await awsCall("DescribeSecret", { SecretId: name })).__type).toMatch(/ResourceNotFoundException/);
    }
    await sm.setSecret("kept", "x", { vault: "aws" });
    await expect(sm.setSecret("kept", "", { vault: "aws" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    expect(await sm.getSecret("kept", { vault: "aws" })).toBe("x");
    // A map or credential with empty parts is JSON, never empty: it round-trips.
    await sm.setSecret("empty-parts", { username: "", password: "" }, { vault: "aws" });
    expect(await sm.getSecret("empty-parts", { vault: "aws" })).toEqual({ username: "", password: "" });
  });

  it("lists SecretBinary written without our type tag as bytes, as it reads, also after setting its metadata", async () => {
    await awsCall("CreateSecret", { Name: "foreign-binary", SecretBinary: Buffer.from([0, 1, 255]).toString("base64") });
    await awsCall("CreateSecret", { Name: "foreign-string", SecretString: "text" });
    expect(await sm.getSecret("foreign-binary", { vault: "aws" })).toEqual(new Uint8Array([0, 1, 255]));
    expect(await sm.getSecretInfo("foreign-*", { vault: "aws" })).toEqual([
      { name: "foreign-binary", type: "bytes", vault: "aws", metadata: {} },
      { name: "foreign-string", type: "string", vault: "aws", metadata: {} },
    ]);
    await sm.setSecretInfo("foreign-binary", { owner: "ops" }, { vault: "aws" });
    expect(await sm.getSecretInfo("foreign-binary", { vault: "aws" }))
      .toEqual([{ name: "foreign-binary", type: "bytes", vault: "aws", metadata: { owner: "ops" } }]);
  });
});

describe("aws-secrets-manager error messages", () => {
  it("keeps AWS's text intact for a short value, and leaves out a message that quotes the value", async () => {
    const ECHOED = "echoed-value-canary-3d1";
    const server = await listen((hit, _request, response) => {
      const value = String(hit.body.SecretString ?? "");
      const message = value === "v" ? "Internal Server Error" : `Value ${value} is not valid here`;
      response.writeHead(hit.target === "CreateSecret" ? 400 : 500, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ __type: "ValidationException", message }));
    });
    try {
      const sm = await open("aws-echo");
      await sm.registerVault("e", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: server.url } });
      const short = await failure(sm.setSecret("s", "v", { vault: "e" }));
      expect(short).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(short.message).toContain("ValidationException: Internal Server Error");
      const echoed = await failure(sm.setSecret("s", ECHOED, { vault: "e" }));
      expect(echoed).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(echoed.message).toContain("ValidationException");
      expect(echoed.message).not.toContain(ECHOED);
      expect(String((echoed.cause as Error).message)).not.toContain(ECHOED);
      const credential = await failure(sm.setSecret("s", { username: "admin", password: "hunter2" }, { vault: "e" }));
      expect(credential.message).not.toContain("hunter2");
    } finally {
      await close(server.server);
    }
  });

  it("quotesAny: long values anywhere, short ones only as whole words", () => {
    expect(quotesAny("Internal Server Error", ["v"])).toBe(false);
    expect(quotesAny("value v is bad", ["v"])).toBe(true);
    expect(quotesAny("bad:hunter2.", ["hunter2"])).toBe(true);
    expect(quotesAny("xxlong-secret-valuexx", ["long-secret-value"])).toBe(true);
  });

  it("reads only the start of a huge error body", async () => {
    const sent: number[] = [];
    const server = await listen((_hit, _request, response) => {
      const index = sent.push(0) - 1;
      response.writeHead(500, { "content-type": "application/x-amz-json-1.1" });
      void streamHugeBody(response, 200 * 1024 * 1024, (n) => (sent[index]! += n));
    });
    try {
      const sm = await open("aws-huge");
      await sm.registerVault("h", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: server.url } });
      const extension = await sm.getVaultExtension("h");
      await expect(extension.test()).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
      expect(sent.length).toBeGreaterThanOrEqual(1);
      for (const bytes of sent) expect(bytes).toBeLessThan(50 * 1024 * 1024);
    } finally {
      await close(server.server);
    }
  }, 30_000);
});
