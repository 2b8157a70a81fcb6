/**
 * examples/edge as a user meets it: the library packed (npm pack) and installed into a copy of the
 * example, a sealed store exported with the CLI, then the same handler run
 *   - as a Cloudflare worker bundled by `wrangler deploy --dry-run --outdir` and by plain esbuild,
 *     each in real workerd through miniflare in file mode;
 *   - under `deno serve`;
 *   - under Vercel's edge runtime (the edge-runtime package).
 * Each reads every value type from the sealed store and from an OpenBao dev server; a wrong key and
 * altered bytes give WRONG_PASSWORD and STORE_CORRUPT, never a value.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToBase64, Credential, SecretManagement, sealSecrets, type SecretValue, secretToJson } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { type OpenBao, startOpenBao } from "./helpers/openbao.ts";
import { freePort } from "./helpers/ports.ts";
import { BIN, ROOT } from "./helpers/runtimes.ts";
import { bundleWorker, computedImports, installEdgeExample, type RunningWorker, startWorker } from "./helpers/workerd.ts";

const PASSWORD = "edge-example-pass";
const VALUES: Record<string, SecretValue> = {
  "app/string": "héllo 🔑 wörld",
  "app/bytes": Uint8Array.from({ length: 256 }, (_, i) => i),
  "app/credential": Credential("svc", "pw-1"),
  "app/map": { user: "app", blob: Uint8Array.from([0, 255]), login: Credential("u", "p") },
};

let bao: OpenBao;
let project: string;
let sealedKey: string;
let bindings: Record<string, string>;

/** Flips one byte in the middle of a file. */
function flipByte(file: string): void {
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1]! ^= 0x01;
  writeFileSync(file, bytes);
}

beforeAll(async () => {
  bao = await startOpenBao();
  // The secrets, in a SecretStore exported with the CLI exactly as a user does it, and in OpenBao.
  const home = tempHome("edge-example-home");
  const sm = await SecretManagement.open({ home });
  await sm.unlockVault("local", PASSWORD);
  for (const [name, value] of Object.entries(VALUES)) await sm.setSecret(name, value);
  process.env.VAULT_TOKEN = bao.rootToken;
  await sm.registerVault("team", "hashicorp-vault", { parameters: { address: bao.address, kvVersion: 2 } });
  for (const [name, value] of Object.entries(VALUES)) await sm.setSecret(name, value, { vault: "team" });

  project = installEdgeExample();
  const exported = secret("node", home, ["store", "export", "--sealed", join(project, "secrets.sealed"), "--filter", "app/*"], {
    env: { SECRETSTORE_PASSWORD: PASSWORD },
  });
  expect(exported.status, exported.stderr).toBe(0);
  sealedKey = exported.stdout.trim();
  bindings = { SEALED_KEY: sealedKey, BAO_ADDR: bao.address, VAULT_TOKEN: bao.rootToken };
}, 180_000);

afterAll(async () => {
  await bao?.stop();
});

type Fetch = (path: string) => Promise<{ status: number; text: string }>;

/** Every value type from both vaults, and an unknown name. */
async function expectEveryValue(fetch: Fetch): Promise<void> {
  for (const vault of ["config", "team"]) {
    for (const [name, value] of Object.entries(VALUES)) {
      const { status, text } = await fetch(`/?vault=${vault}&name=${encodeURIComponent(name)}`);
      expect(status, text).toBe(200);
      expect(JSON.parse(text)).toEqual(secretToJson(value));
    }
  }
  const missing = await fetch("/?name=app/none&vault=config");
  expect([missing.status, JSON.parse(missing.text).code]).toEqual([404, "SECRET_NOT_FOUND"]);
  // Without a vault: the sealed store is the default and is searched first.
  expect(JSON.parse((await fetch("/?name=app/credential")).text)).toEqual(secretToJson(VALUES["app/credential"]!));
}

/** The error code the handler answers with for a sealed read; no value of the store in the answer. */
async function sealedFailure(fetch: Fetch): Promise<string> {
  const { status, text } = await fetch("/?vault=config&name=app/string");
  expect(status).toBe(500);
  expect(text).not.toContain("wörld");
  return JSON.parse(text).code;
}

async function withWorker(scriptPath: string, extra: Record<string, string>, work: (worker: RunningWorker) => Promise<void>) {
  const worker = await startWorker(scriptPath, { ...bindings, ...extra });
  try {
    await work(worker);
  } finally {
    await worker.dispose();
  }
}

const WRONG_KEY = `smsk1_${"ab".repeat(32)}`;

describe("the Cloudflare example in workerd", () => {
  it("bundled by wrangler deploy --dry-run: reads every type; a wrong key and altered bytes fail", async () => {
    const outdir = join(project, "dist-wrangler");
    execFileSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
      cwd: project,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
      stdio: "pipe",
    });
    const script = join(outdir, "worker.js");
    await withWorker(script, {}, (worker) => expectEveryValue(worker.fetch));
    await withWorker(script, { SEALED_KEY: WRONG_KEY }, async (worker) => expect(await sealedFailure(worker.fetch)).toBe("WRONG_PASSWORD"));
    flipByte(join(outdir, readdirSync(outdir).find((file) => file.endsWith(".sealed"))!));
    await withWorker(script, {}, async (worker) => expect(await sealedFailure(worker.fetch)).toBe("STORE_CORRUPT"));
  }, 120_000);

  it("bundled by esbuild: reads every type; a wrong key and altered bytes fail", async () => {
    const script = await bundleWorker(join(project, "src/worker.ts"));
    expect(computedImports(readFileSync(script, "utf8"))).toEqual([]);
    await withWorker(script, {}, (worker) => expectEveryValue(worker.fetch));
    await withWorker(script, { SEALED_KEY: WRONG_KEY }, async (worker) => expect(await sealedFailure(worker.fetch)).toBe("WRONG_PASSWORD"));
    const altered = join(tempHome("edge-altered"), "app");
    cpSync(project, altered, { recursive: true });
    flipByte(join(altered, "secrets.sealed"));
    await withWorker(await bundleWorker(join(altered, "src/worker.ts")), {}, async (worker) =>
      expect(await sealedFailure(worker.fetch)).toBe("STORE_CORRUPT"));
  }, 120_000);
});

describe("the same handler on Deno and on Vercel's edge runtime", () => {
  let deno: ChildProcess | undefined;
  afterAll(() => {
    deno?.kill();
  });

  it("deno serve", async () => {
    const port = await freePort();
    deno = spawn(join(BIN, "deno"), ["serve", "--port", String(port), "--host", "127.0.0.1", "--allow-net", "--allow-env", "--allow-read", "src/deno.ts"], {
      cwd: project,
      env: { ...process.env, ...bindings, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    deno.stdout!.on("data", (chunk) => (output += chunk));
    deno.stderr!.on("data", (chunk) => (output += chunk));
    const fetchDeno: Fetch = async (path) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, text: await response.text() };
    };
    for (let waited = 0; !/Listening|listening/.test(output); waited += 100) {
      if (waited > 60_000 || deno.exitCode !== null) throw new Error(`deno serve did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expectEveryValue(fetchDeno);
  }, 90_000);

  it("Vercel edge runtime (edge-runtime): the sealed store from SEALED_STORE", async () => {
    // Vercel wraps an edge function's default export in a fetch listener; this does the same.
    const entry = join(project, "vercel-entry.ts");
    writeFileSync(entry, `import handler from "./src/vercel.ts";\naddEventListener("fetch", (event) => event.respondWith(handler(event.request)));\n`);
    const outfile = join(project, "vercel-bundle.js");
    await build({
      entryPoints: [entry],
      bundle: true,
      format: "iife",
      platform: "neutral",
      conditions: ["edge-light", "worker", "browser"],
      mainFields: ["module", "main"],
      outfile,
      logLevel: "silent",
    });
    const run = (extra: Record<string, string>) => {
      const env = { ...bindings, SEALED_STORE: bytesToBase64(readFileSync(join(project, "secrets.sealed"))), ...extra };
      const runtime = new EdgeRuntime({
        initialCode: readFileSync(outfile, "utf8"),
        extend: (context) => Object.assign(context, { process: { env } }),
      });
      return async (path: string) => {
        const response = await runtime.dispatchFetch(`http://localhost${path}`);
        const text = await response.text();
        await response.waitUntil();
        return { status: response.status, text };
      };
    };
    await expectEveryValue(run({}));
    expect(await sealedFailure(run({ SEALED_KEY: WRONG_KEY }))).toBe("WRONG_PASSWORD");
    const altered = readFileSync(join(project, "secrets.sealed"));
    altered[altered.length >> 1]! ^= 0x01;
    expect(await sealedFailure(run({ SEALED_STORE: bytesToBase64(altered) }))).toBe("STORE_CORRUPT");
  }, 90_000);
});

describe("docs/edge.md", () => {
  it("its Cloudflare section, copied into a wrangler project, deploys (dry run) and runs in workerd", async () => {
    const page = readFileSync(join(ROOT, "docs/edge.md"), "utf8");
    const block = (info: string) => {
      const match = new RegExp("```" + info.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + "\n([\\s\\S]*?)```").exec(page);
      if (!match) throw new Error(`docs/edge.md has no \`\`\`${info} block`);
      return match[1]!;
    };
    const app = join(tempHome("edge-docs"), "my-worker");
    mkdirSync(join(app, "src"), { recursive: true });
    writeFileSync(join(app, "wrangler.toml"), block("toml wrangler.toml"));
    writeFileSync(join(app, "src/worker.ts"), block("ts src/worker.ts"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-worker", private: true, type: "module" }));
    symlinkSync(join(project, "node_modules"), join(app, "node_modules")); // npm i secretmanagement (the packed one)
    const { bytes, key } = sealSecrets([{ name: "app/api-key", value: "k-docs" }]);
    writeFileSync(join(app, "secrets.sealed"), bytes);
    await bao.api("POST", "secret/data/app/db", { data: { value: "db-docs" } });
    execFileSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", "dist"], {
      cwd: app,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
      stdio: "pipe",
    });
    await withWorker(join(app, "dist/worker.js"), { SEALED_KEY: key }, async (worker) => {
      const { status, text } = await worker.fetch("/");
      expect(status, text).toBe(200);
      expect(JSON.parse(text)).toEqual({ ok: true });
    });
  }, 120_000);
});
