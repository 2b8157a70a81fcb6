/**
 * `secret vault search` against a local server that answers npm's search API with recorded
 * answers, chosen through npm_config_registry or a .npmrc: keyword matches (and a fuzzy match
 * without the keyword, which is dropped), no match, an error, and an answer slower than --timeout.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeEnv, secretCommand } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import { runAsync } from "./helpers/runtimes.ts";

const MATCH = {
  objects: [
    {
      package: {
        name: "secretmanagement-vault-jsonfile",
        version: "1.2.0",
        description: "Secrets in a JSON file",
        keywords: ["secretmanagement-vault", "json"],
      },
      downloads: { weekly: 321, monthly: 1200 },
    },
    {
      package: { name: "secretmanagement-vault-pass", version: "0.3.1", description: "pass(1) as a vault", keywords: ["secretmanagement-vault"] },
    },
    { package: { name: "unrelated-vault-thing", version: "9.9.9", description: "fuzzy hit", keywords: ["vault"] } },
  ],
  total: 3,
};

let server: Server;
let registry = "";
const queries: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url!, "http://x");
    queries.push(url.searchParams.get("text") ?? "");
    const text = url.searchParams.get("text") ?? "";
    if (url.pathname !== "/-/v1/search") return response.writeHead(404).end();
    if (text.includes("broken")) return response.writeHead(500).end("oops");
    if (text.includes("slow")) return setTimeout(() => response.writeHead(200).end(JSON.stringify(MATCH)), 3000);
    const answer = text.includes("nothing") ? { objects: [], total: 0 } : MATCH;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Runs `secret` without blocking this process, which serves the registry. */
async function run(args: string[], env: Record<string, string | undefined>): Promise<{ status: number; stdout: string; stderr: string }> {
  const [command, ...prefix] = secretCommand("node");
  const { code, stdout, stderr } = await runAsync(command!, [...prefix, ...args], homeEnv(tempHome("search"), env));
  return { status: code ?? 128, stdout, stderr };
}

describe("secret vault search", () => {
  it("lists packages carrying the keyword, with version, description and weekly downloads", async () => {
    const result = await run(["vault", "search", "json"], { npm_config_registry: registry });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^NAME +VERSION +WEEKLY +DESCRIPTION\n/);
    expect(result.stdout).toMatch(/secretmanagement-vault-jsonfile +1\.2\.0 +321 +Secrets in a JSON file/);
    expect(result.stdout).toContain("secretmanagement-vault-pass");
    expect(result.stdout).not.toContain("unrelated-vault-thing");
    expect(result.stderr).toContain("npm i <name>");
    expect(queries.at(-1)).toBe("keywords:secretmanagement-vault json");
  });

  it("prints JSON with --json", async () => {
    const result = await run(["vault", "search", "--json"], { npm_config_registry: registry });
    expect(JSON.parse(result.stdout)).toEqual([
      { name: "secretmanagement-vault-jsonfile", version: "1.2.0", description: "Secrets in a JSON file", weeklyDownloads: 321 },
      { name: "secretmanagement-vault-pass", version: "0.3.1", description: "pass(1) as a vault" },
    ]);
  });

  it("uses the registry a .npmrc in the home directory names", async () => {
    const home = tempHome("search-user");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".npmrc"), `; a comment\nregistry = ${registry}\n`);
    const result = await run(["vault", "search", "--json"], { HOME: home, npm_config_registry: undefined, NPM_CONFIG_REGISTRY: undefined });
    expect(JSON.parse(result.stdout)).toHaveLength(2);
  });

  it("says so on stderr when nothing matches, and exits 0", async () => {
    const result = await run(["vault", "search", "nothing"], { npm_config_registry: registry });
    expect(result).toMatchObject({ status: 0, stdout: "" });
    expect(result.stderr).toContain('no vault packages found with the keyword secretmanagement-vault matching "nothing"');
  });

  it("reports a failing, unreachable or slow registry in one line with exit 1", async () => {
    const broken = await run(["vault", "search", "broken"], { npm_config_registry: registry });
    expect(broken.status).toBe(1);
    expect(broken.stderr.trim().split("\n")).toHaveLength(1);
    expect(broken.stderr).toContain("HTTP 500");
    const slow = await run(["vault", "search", "slow", "--timeout", "0.5"], { npm_config_registry: registry });
    expect(slow.status).toBe(1);
    expect(slow.stderr).toContain("no answer within 0.5 s");
    const offline = await run(["vault", "search"], { npm_config_registry: "http://127.0.0.1:9/" });
    expect(offline.status).toBe(1);
    expect(offline.stderr).toContain("cannot search the npm registry at http://127.0.0.1:9");
  });
});
