/**
 * A private CA for the server's certificate (`caFile`). fetch has no standard option for it, so each
 * runtime gets its own extra RequestInit field:
 * - Deno: `client: Deno.createHttpClient({ caCerts })`;
 * - Bun: `tls: { ca }`;
 * - Node: `dispatcher`, an undici Agent with `connect.ca`. Node's fetch is undici but does not export
 *   its Agent class; the class is taken from the global dispatcher Node creates at its first fetch.
 *   Where that fails, NODE_EXTRA_CA_CERTS (read when Node starts) is the way, and the error says so.
 * Edge runtimes have no files and no such option: they must use a publicly trusted certificate.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { Runtime } from "../../core/runtime.ts";

type ExtraInit = Record<string, unknown>;

interface DenoHttp {
  createHttpClient(options: { caCerts: string[] }): unknown;
}

type AgentClass = new (options: { connect: { ca: string } }) => unknown;

const UNDICI_GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

async function nodeAgentClass(): Promise<AgentClass | undefined> {
  const slot = globalThis as unknown as Record<symbol, { constructor?: AgentClass } | undefined>;
  if (slot[UNDICI_GLOBAL_DISPATCHER] === undefined) await (await fetch("data:,")).arrayBuffer();
  const agent = slot[UNDICI_GLOBAL_DISPATCHER];
  return agent?.constructor?.name === "Agent" ? agent.constructor : undefined;
}

/**
 * One client/agent per certificate, shared by every vault instance and every SecretManagement.open:
 * each holds its own pool of connections, so a new one per open leaks sockets.
 */
const byCertificate = new Map<string, ExtraInit>();

export async function tlsInit(runtime: Runtime, caFile: string, vault: string): Promise<ExtraInit> {
  if (!runtime.fs) {
    throw new SecretManagementError("UNSUPPORTED", "caFile needs a file system; this runtime has none", { vault });
  }
  const bytes = runtime.fs.readFile(caFile);
  if (bytes === undefined) {
    throw new SecretManagementError("INVALID_ARGUMENT", `caFile ${caFile} does not exist`, { vault });
  }
  const pem = new TextDecoder().decode(bytes);
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SecretManagementError("INVALID_ARGUMENT", `caFile ${caFile} holds no PEM certificate`, { vault });
  }
  const key = `${runtime.name}\n${pem}`;
  const known = byCertificate.get(key);
  if (known) return known;
  const init = await initFor(runtime, caFile, pem, vault);
  byCertificate.set(key, init);
  return init;
}

async function initFor(runtime: Runtime, caFile: string, pem: string, vault: string): Promise<ExtraInit> {
  switch (runtime.name) {
    case "deno": {
      const deno = (globalThis as unknown as { Deno: DenoHttp }).Deno;
      return { client: deno.createHttpClient({ caCerts: [pem] }) };
    }
    case "bun":
      return { tls: { ca: pem } };
    case "node": {
      const Agent = await nodeAgentClass();
      if (Agent) return { dispatcher: new Agent({ connect: { ca: pem } }) };
      throw new SecretManagementError(
        "UNSUPPORTED",
        `this Node version gives no way to pass caFile to fetch; start Node with NODE_EXTRA_CA_CERTS=${caFile} instead`,
        { vault },
      );
    }
    default:
      throw new SecretManagementError("UNSUPPORTED", `caFile is not supported on the ${runtime.name} runtime`, { vault });
  }
}
