/**
 * Starts moto's server (`pip install "moto[server]"`) on a free loopback port for a test file.
 * With `auth`, moto checks every request's SigV4 signature and IAM policy: the helper creates an IAM
 * user with a secretsmanager:* policy through moto's first unauthenticated calls and returns its keys.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { type AwsCredentials, signRequest } from "../../extensions/aws-secrets-manager/sigv4.ts";
import { freePort } from "./ports.ts";

export interface Moto {
  endpoint: string;
  /** Keys moto accepts (checked only when started with `auth`). */
  credentials: AwsCredentials;
  stop(): Promise<void>;
}


async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not listen on port ${port} within 30 s: ${output()}`);
}

async function iam(endpoint: string, params: Record<string, string>): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ ...params, Version: "2010-05-08" }).toString();
  const headers = signRequest({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    region: "us-east-1",
    service: "iam",
    date: new Date(),
  }, { accessKeyId: "AKIDSETUP", secretAccessKey: "setup" });
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto IAM ${params.Action} failed: ${response.status} ${text}`);
  return text;
}

export async function startMoto(options: { auth?: boolean } = {}): Promise<Moto> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Three setup calls go through unauthenticated; every later one must be signed by the created user.
  if (options.auth) env.INITIAL_NO_AUTH_ACTION_COUNT = "3";
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (error) =>
      reject(new Error(`cannot start moto_server (pip install "moto[server]"): ${error.message}`)))
  );
  await Promise.race([waitForPort(port, child, () => output), spawnError]);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  let credentials: AwsCredentials = { accessKeyId: "AKIDMOTO", secretAccessKey: "moto-secret" };
  if (options.auth) {
    await iam(endpoint, { Action: "CreateUser", UserName: "sm-test" });
    const created = await iam(endpoint, { Action: "CreateAccessKey", UserName: "sm-test" });
    credentials = {
      accessKeyId: /<AccessKeyId>([^<]+)</.exec(created)![1]!,
      secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(created)![1]!,
    };
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }],
    });
    await iam(endpoint, { Action: "PutUserPolicy", UserName: "sm-test", PolicyName: "secrets", PolicyDocument: policy });
  }
  return { endpoint, credentials, stop };
}
