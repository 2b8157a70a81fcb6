/**
 * Node serverless: the Lambda-style handler of examples/edge/lambda (plain JavaScript, the packed
 * library installed beside it) run by plain Node reads the sealed file shipped beside it and a
 * secret from moto's Secrets Manager; a wrong key gives WRONG_PASSWORD, never a value.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Credential, sealSecrets, secretToJson } from "../mod.ts";
import { startMoto, type Moto } from "./helpers/moto.ts";
import { installEdgeExample } from "./helpers/workerd.ts";

let moto: Moto;
let project: string;
let key: string;

beforeAll(async () => {
  moto = await startMoto();
  project = installEdgeExample();
  const sealed = sealSecrets([
    { name: "api-key", value: "k-123", metadata: { owner: "ops" } },
    { name: "signing", value: Uint8Array.from([0, 1, 255]) },
    { name: "smtp", value: Credential("mailer", "m-pw") },
  ]);
  writeFileSync(join(project, "lambda/secrets.sealed"), sealed.bytes, { mode: 0o600 });
  key = sealed.key;
  // One secret in Secrets Manager, written with the plain API as another tool would.
  const response = await fetch(moto.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "secretsmanager.CreateSecret",
      authorization: "AWS4-HMAC-SHA256 Credential=AKIDMOTO/20240101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify({ Name: "prod/db-password", SecretString: "db-pw-9" }),
  });
  expect(response.status, await response.text()).toBe(200);
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

/** Runs the handler in a fresh Node process (a cold start) on each event; returns its answers. */
function invoke(events: unknown[], sealedKey = key): unknown[] {
  const script = `
    const { handler } = await import("./lambda/handler.mjs");
    const answers = [];
    for (const event of ${JSON.stringify(events)}) answers.push(await handler(event));
    console.log(JSON.stringify(answers));`;
  const printed = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: project,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      SEALED_KEY: sealedKey,
      SECRETS_MANAGER_ENDPOINT: moto.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDMOTO",
      AWS_SECRET_ACCESS_KEY: "moto-secret",
    },
  });
  return JSON.parse(printed);
}

it("reads the sealed file beside it and a secret from Secrets Manager", () => {
  expect(invoke([
    { name: "api-key" },
    { name: "SIGNING", vault: "config" },
    { name: "smtp" },
    { name: "prod/db-password", vault: "aws" },
    { name: "prod/db-password" },
    { name: "nope", vault: "config" },
  ])).toEqual([
    secretToJson("k-123"),
    secretToJson(Uint8Array.from([0, 1, 255])),
    secretToJson(Credential("mailer", "m-pw")),
    secretToJson("db-pw-9"),
    secretToJson("db-pw-9"),
    { code: "SECRET_NOT_FOUND", error: expect.any(String) },
  ]);
}, 60_000);

it("answers WRONG_PASSWORD for a wrong key, without a value", () => {
  const [answer] = invoke([{ name: "api-key", vault: "config" }], `smsk1_${"0".repeat(64)}`) as [{ code: string; error: string }];
  expect(answer.code).toBe("WRONG_PASSWORD");
  expect(JSON.stringify(answer)).not.toContain("k-123");
}, 60_000);
