/**
 * aws-secrets-manager against moto's server with signature checking on (every request must carry a
 * valid SigV4 signature from an IAM user moto knows), plus SigV4 vectors from AWS's worked example.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bytesToHex } from "@noble/hashes/utils.js";
import { SecretManagement } from "../mod.ts";
import { canonicalRequest, signingKey, signRequest } from "../extensions/aws-secrets-manager/sigv4.ts";
import { parseCredentialsFile } from "../extensions/aws-secrets-manager/credentials.ts";
import { decodeTagValue, encodeTagValue, metadataFromTags, metadataToTags } from "../core/tags.ts";
import { BYTES_ALL, testVaultContract, UNICODE } from "./helpers/contract.ts";
import { tempHome } from "./helpers/home.ts";
import { roundTripSource, runCloudWorker, runConsoleExamples, runSourceOn } from "./helpers/console-examples.ts";
import { type Moto, startMoto } from "./helpers/moto.ts";
import { freePort } from "./helpers/ports.ts";

const EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

describe("SigV4 signer", () => {
  it("derives the signing key of the AWS documentation example", () => {
    expect(bytesToHex(signingKey(EXAMPLE_SECRET, "20120215", "us-east-1", "iam")))
      .toBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  });

  it("signs the documented IAM ListUsers GET example", () => {
    const input = {
      method: "GET",
      url: new URL("https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers"),
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "",
      region: "us-east-1",
      service: "iam",
      date: new Date("2015-08-30T12:36:00Z"),
    };
    const headers = signRequest(input, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: EXAMPLE_SECRET });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date, " +
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    expect(headers.host).toBeUndefined();
    const canonical = canonicalRequest(input, {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      host: "iam.amazonaws.com",
      "x-amz-date": "20150830T123600Z",
    });
    expect(canonical.split("\n").slice(0, 3)).toEqual(["GET", "/", "Action=ListUsers&Version=2010-05-08"]);
  });

  it("signs a JSON POST with a session token like botocore does", () => {
    // Expected value produced by botocore's SigV4Auth for the same request.
    const headers = signRequest({
      method: "POST",
      url: new URL("http://127.0.0.1:4566/"),
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue" },
      body: '{"SecretId":"db-password"}',
      region: "eu-west-1",
      service: "secretsmanager",
      date: new Date("2026-11-28T17:19:02Z"),
    }, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: EXAMPLE_SECRET, sessionToken: "session-token-example" });
    expect(headers["x-amz-security-token"]).toBe("session-token-example");
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-west-1/secretsmanager/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, " +
        "Signature=d903ae3a56cbe22c7f5047fb6f5bb883bf7074f5c18dd01056aae519d3cdbb09",
    );
  });

  it("reads profiles from a shared credentials file", () => {
    const profiles = parseCredentialsFile(
      "[default]\naws_access_key_id = A1\naws_secret_access_key = S1\n\n# comment\n[profile ci]\nAWS_ACCESS_KEY_ID=A2\naws_secret_access_key=S2\naws_session_token=T2\n",
    );
    expect(profiles.get("default")).toEqual({ aws_access_key_id: "A1", aws_secret_access_key: "S1" });
    expect(profiles.get("ci")).toEqual({ aws_access_key_id: "A2", aws_secret_access_key: "S2", aws_session_token: "T2" });
  });
});

describe("metadata as string tags (core/tags.ts, shared with azure-keyvault)", () => {
  it("round-trips every metadata kind with a type prefix", () => {
    const metadata = { s: "n:looks typed", n: -1.5e-7, b: false, d: new Date("2030-01-02T03:04:05.000Z") };
    const tags = metadataToTags(metadata, []);
    expect(tags).toEqual({ s: "s:n:looks typed", n: "n:-1.5e-7", b: "b:false", d: "d:2030-01-02T03:04:05.000Z" });
    expect(metadataFromTags(tags, [])).toEqual(metadata);
  });

  it("reads tags other tools wrote as text, including ones that only look typed", () => {
    for (const raw of ["prod", "n:abc", "b:yes", "d:not a date", "x:1", "", "n:"]) expect(decodeTagValue(raw)).toBe(raw);
    expect(encodeTagValue("")).toBe("s:");
  });

  it("refuses reserved keys and leaves them out when reading", () => {
    expect(() => metadataToTags({ own: 1 }, ["own"])).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(metadataFromTags({ own: "map", a: "s:x" }, ["own"])).toEqual({ a: "x" });
  });
});

let moto: Moto;
const motoReady = startMoto({ auth: true }).then((started) => (moto = started));
afterAll(async () => {
  await moto?.stop();
});

const envFor = (m: Moto) => ({
  AWS_ACCESS_KEY_ID: m.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: m.credentials.secretAccessKey,
});

testVaultContract("aws-secrets-manager (moto)", async () => {
  const m = await motoReady;
  return {
    module: "aws-secrets-manager",
    parameters: { region: "us-east-1", endpoint: m.endpoint },
    env: envFor(m),
  };
}, { caseInsensitive: false });

/** A signed call straight to moto, to see what the vault stored the way other AWS tools see it. */
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

describe("aws-secrets-manager against moto", () => {
  let sm: SecretManagement;
  const vault = "aws";
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    await motoReady;
    for (const [key, value] of Object.entries({ ...envFor(moto), AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined })) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    sm = await SecretManagement.open({ home: tempHome("aws"), onVaultError: () => {} });
    await sm.registerVault(vault, "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
  });

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("stores strings as SecretString, bytes as SecretBinary, credentials and maps as JSON with a type tag", async () => {
    await sm.setSecret("shape-string", UNICODE, { vault });
    await sm.setSecret("shape-bytes", BYTES_ALL, { vault });
    await sm.setSecret("shape-cred", { username: "u", password: "p" }, { vault, metadata: { team: "ops" } });
    await sm.setSecret("shape-map", { a: "1", b: new Uint8Array([255]) }, { vault });
    expect((await awsCall("GetSecretValue", { SecretId: "shape-string" })).SecretString).toBe(UNICODE);
    expect((await awsCall("GetSecretValue", { SecretId: "shape-bytes" })).SecretBinary)
      .toBe(Buffer.from(BYTES_ALL).toString("base64"));
    expect(JSON.parse((await awsCall("GetSecretValue", { SecretId: "shape-cred" })).SecretString as string))
      .toEqual({ username: "u", password: "p" });
    expect(JSON.parse((await awsCall("GetSecretValue", { SecretId: "shape-map" })).SecretString as string))
      .toEqual({ a: "1", b: { bytes: "/w==" } });
    const tags = (await awsCall("DescribeSecret", { SecretId: "shape-cred" })).Tags as { Key: string; Value: string }[];
    expect(Object.fromEntries(tags.map((t) => [t.Key, t.Value])))
      .toEqual({ "secretmanagement:type": "credential", team: "s:ops" });
  });

  it("changes the type tag when a secret is overwritten with another type", async () => {
    await sm.setSecret("retype", "text", { vault, metadata: { n: 1 } });
    await sm.setSecret("retype", new Uint8Array([1, 2, 3]), { vault });
    expect(await sm.getSecret("retype", { vault })).toEqual(new Uint8Array([1, 2, 3]));
    expect(await sm.getSecretInfo("retype", { vault })).toEqual([{ name: "retype", type: "bytes", vault, metadata: { n: 1 } }]);
  });

  it("is case-sensitive, as AWS names are", async () => {
    await sm.setSecret("CaseName", "upper", { vault });
    await sm.setSecret("casename", "lower", { vault });
    expect(await sm.getSecret("CaseName", { vault })).toBe("upper");
    expect(await sm.getSecret("casename", { vault })).toBe("lower");
  });

  it("lists more than 250 secrets across pages", async () => {
    for (let i = 0; i < 260; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => sm.setSecret(`page-${String(i + j).padStart(3, "0")}`, "v", { vault })),
      );
    }
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      const names = (await sm.getSecretInfo("page-*", { vault })).map((info) => info.name).sort();
      expect(names).toHaveLength(260);
      expect(names[259]).toBe("page-259");
      const listCalls = fetchSpy.mock.calls.filter(([, init]) =>
        (init?.headers as Record<string, string>)?.["x-amz-target"] === "secretsmanager.ListSecrets"
      );
      expect(listCalls.length).toBeGreaterThanOrEqual(3);
    } finally {
      fetchSpy.mockRestore();
    }
    expect((await sm.getSecretInfo("page-25?", { vault })).map((info) => info.name).sort())
      .toEqual(Array.from({ length: 10 }, (_, i) => `page-25${i}`));
  }, 60_000);

  it("treats a secret scheduled for deletion as missing, and setting it again restores it", async () => {
    await sm.setSecret("phoenix", "first", { vault, metadata: { old: true } });
    await sm.removeSecret("phoenix", { vault });
    expect((await awsCall("DescribeSecret", { SecretId: "phoenix" })).DeletedDate).toBeDefined();
    await expect(sm.getSecret("phoenix", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(await sm.getSecretInfo("phoenix", { vault })).toEqual([]);
    await expect(sm.removeSecret("phoenix", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await expect(sm.setSecretInfo("phoenix", { a: 1 }, { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await sm.setSecret("phoenix", "second", { vault, noClobber: true });
    expect(await sm.getSecret("phoenix", { vault })).toBe("second");
    expect(await sm.getSecretInfo("phoenix", { vault })).toEqual([{ name: "phoenix", type: "string", vault, metadata: {} }]);
  });

  it("deletes without recovery when forceDelete is set", async () => {
    await sm.registerVault("aws-force", "aws-secrets-manager", {
      parameters: { region: "us-east-1", endpoint: moto.endpoint, forceDelete: true },
    });
    await sm.setSecret("gone", "x", { vault: "aws-force" });
    await sm.removeSecret("gone", { vault: "aws-force" });
    expect((await awsCall("DescribeSecret", { SecretId: "gone" })).__type).toMatch(/ResourceNotFoundException/);
  });

  it("refuses names AWS does not allow with INVALID_ARGUMENT before sending anything", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      for (const name of ["bad name", "semi;colon", "ümlaut", "x".repeat(513)]) {
        await expect(sm.setSecret(name, "x", { vault })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
    await expect(sm.getSecret("bad name", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    await sm.setSecret("ok/_+=.@-name", "fine", { vault });
    expect(await sm.getSecret("ok/_+=.@-name", { vault })).toBe("fine");
  });

  it("refuses the reserved type tag as a metadata key before writing", async () => {
    await expect(sm.setSecret("reserved", "x", { vault, metadata: { "secretmanagement:type": "map" } }))
      .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sm.getSecret("reserved", { vault })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });

  it("rejects a wrong secret key with PERMISSION_DENIED naming the signature error, without the key", async () => {
    process.env.AWS_SECRET_ACCESS_KEY = "wrong-secret-key";
    try {
      const other = await SecretManagement.open({ home: tempHome("aws-bad"), onVaultError: () => {} });
      await other.registerVault("bad", "aws-secrets-manager", { parameters: { region: "us-east-1", endpoint: moto.endpoint } });
      const error = await other.getSecret("shape-string", { vault: "bad" }).catch((e) => e);
      expect(error).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(error.message).toMatch(/SignatureDoesNotMatch|InvalidSignature/);
      expect(error.message).not.toContain("wrong-secret-key");
      const ext = await other.getVaultExtension("bad");
      await expect(ext.test()).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      expect(await other.testVault("bad")).toBe(false);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
    }
  });

  it("rejects an unknown access key id with PERMISSION_DENIED", async () => {
    const other = await SecretManagement.open({ home: tempHome("aws-unknown"), onVaultError: () => {} });
    await other.registerVault("mem", "memory");
    await other.setSecret("aws-key", { username: "AKIDUNKNOWN00000000", password: "whatever" }, { vault: "mem" });
    await other.registerVault("bad", "aws-secrets-manager", {
      parameters: { region: "us-east-1", endpoint: moto.endpoint, credential: "secret://mem/aws-key" },
    });
    await expect(other.getSecret("shape-string", { vault: "bad" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
  });

  it("takes credentials from a secret:// reference", async () => {
    const other = await SecretManagement.open({ home: tempHome("aws-ref"), onVaultError: () => {} });
    await other.registerVault("mem", "memory");
    await other.setSecret("aws-key", {
      accessKeyId: moto.credentials.accessKeyId,
      secretAccessKey: moto.credentials.secretAccessKey,
    }, { vault: "mem" });
    await other.registerVault("ref", "aws-secrets-manager", {
      parameters: { region: "us-east-1", endpoint: moto.endpoint, credential: "secret://mem/aws-key" },
    });
    expect(await other.getSecret("shape-string", { vault: "ref" })).toBe(UNICODE);
  });

  it("takes credentials from a profile of the shared credentials file", async () => {
    const dir = tempHome("aws-creds");
    const file = join(dir, "credentials");
    writeFileSync(file, `[default]\naws_access_key_id = AKIDNOPE\naws_secret_access_key = nope\n\n[moto]\n` +
      `aws_access_key_id = ${moto.credentials.accessKeyId}\naws_secret_access_key = ${moto.credentials.secretAccessKey}\n`, {
      mode: 0o600,
    });
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    try {
      const other = await SecretManagement.open({ home: tempHome("aws-profile"), onVaultError: () => {} });
      await other.registerVault("prof", "aws-secrets-manager", {
        parameters: { region: "us-east-1", endpoint: moto.endpoint, profile: "moto" },
      });
      expect(await other.getSecret("shape-string", { vault: "prof" })).toBe(UNICODE);
      await other.registerVault("noprof", "aws-secrets-manager", {
        parameters: { region: "us-east-1", endpoint: moto.endpoint, profile: "absent" },
      });
      await expect(other.getSecret("shape-string", { vault: "noprof" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    }
  });

  it("reports a server that is down as VAULT_UNAVAILABLE", async () => {
    const port = await freePort();
    const other = await SecretManagement.open({ home: tempHome("aws-down"), onVaultError: () => {} });
    await other.registerVault("down", "aws-secrets-manager", {
      parameters: { region: "us-east-1", endpoint: `http://127.0.0.1:${port}` },
    });
    await expect(other.getSecret("x", { vault: "down" })).rejects.toMatchObject({ code: "VAULT_UNAVAILABLE" });
  }, 30_000);

  it("refuses registration without a region", async () => {
    const savedRegion = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const other = await SecretManagement.open({ home: tempHome("aws-noregion"), onVaultError: () => {} });
      await expect(other.registerVault("x", "aws-secrets-manager", { parameters: { endpoint: moto.endpoint } }))
        .rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    } finally {
      if (savedRegion[0] !== undefined) process.env.AWS_REGION = savedRegion[0];
      if (savedRegion[1] !== undefined) process.env.AWS_DEFAULT_REGION = savedRegion[1];
    }
  });
});

describe("docs/aws-secrets-manager.md", () => {
  it("every console example prints what the page says, against moto", async () => {
    await motoReady;
    const { expected, actual } = await runConsoleExamples("docs/aws-secrets-manager.md", {
      AWS_ENDPOINT_URL: moto.endpoint,
      ...envFor(moto),
    });
    expect(expected.length).toBeGreaterThan(5);
    expect(actual).toEqual(expected);
  }, 120_000);
});

describe("aws-secrets-manager on Deno, Bun and workerd", () => {
  it("round-trips bytes and metadata against moto in workerd (edge entry)", async () => {
    await motoReady;
    const result = await runCloudWorker({
      MODULE: "aws-secrets-manager",
      PARAMETERS: JSON.stringify({ region: "us-east-1", endpoint: moto.endpoint }),
      ...envFor(moto),
    });
    expect(result).toEqual({ runtime: "web", same: true, type: "bytes", when: true });
  }, 60_000);

  for (const runtime of ["deno", "bun"] as const) {
    it(`round-trips bytes and metadata against moto on ${runtime}`, async () => {
      await motoReady;
      const source = roundTripSource(tempHome(`aws-${runtime}`), "aws-secrets-manager", { region: "us-east-1", endpoint: moto.endpoint });
      const result = await runSourceOn(runtime, source, envFor(moto));
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ same: true, type: "bytes", when: true });
    }, 60_000);
  }
});
