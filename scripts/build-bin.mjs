/**
 * `npm run build` (after tsc): the npm `secret` bin as one bundled ESM file, dist/bin/main.js, and
 * beside it one file per rarely used piece, loaded when a command asks for it.
 *
 * Node spends most of a short command loading modules, one file at a time, so everything `secret
 * get`, `set` and `info` need (the parser, the context, the manager, the registry, the Node adapter,
 * the agent client) is in main.js; the other commands, every vault, the SecretStore engine, the KDF
 * and the other runtimes' adapters stay dynamic imports of their own files (each bundled alone).
 *
 * - Dependencies with native code (@napi-rs/keyring) stay outside, and so does dotenv (CommonJS that
 *   calls require("fs"), which an ESM bundle cannot); the others are bundled.
 * - core/errors.ts stays outside too (../core/errors.js, the tsc build): an extension package that
 *   throws the SecretManagementError of `secretmanagement/extension` must throw the same class the
 *   CLI checks with instanceof, so its codes survive.
 * - dist/bin/secret.js, the bin, only turns on Node's module compile cache (Node 22.1+) and then
 *   imports main.js: the cache must be on before the modules it covers are compiled. The unlock agent
 *   runs dist/bin/main.js (cli/agent.ts starts the ./main.js next to itself).
 */
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "bin");

/** Dynamic imports that get their own file: output name by source path (or package) imported. */
const LAZY = {
  "cli/commands/vault.ts": "command-vault",
  "cli/commands/store.ts": "command-store",
  "cli/commands/search.ts": "command-search",
  "cli/commands/run.ts": "command-run",
  "cli/commands/inject.ts": "command-inject",
  "cli/commands/completion.ts": "command-completion",
  "cli/agent-server.ts": "agent-server",
  "core/store/secret-store.ts": "secret-store",
  "adapters/deno.ts": "adapter-deno",
  "adapters/bun.ts": "adapter-bun",
  "adapters/web.ts": "adapter-web",
  "adapters/deno/cli-host.ts": "cli-host-deno",
  "adapters/bun/cli-host.ts": "cli-host-bun",
  "adapters/shared/detached.ts": "detached",
  "hash-wasm": "hash-wasm",
  "@noble/hashes/argon2.js": "noble-argon2",
};

function lazyName(specifier, resolveDir) {
  if (LAZY[specifier]) return LAZY[specifier];
  if (!specifier.startsWith(".")) return undefined;
  const source = relative(root, resolve(resolveDir, specifier)).replaceAll("\\", "/");
  const vault = /^extensions\/([^/]+)\/mod\.ts$/.exec(source);
  return vault ? `vault-${vault[1]}` : LAZY[source];
}

const splitLazyImports = {
  name: "split-lazy-imports",
  setup(build) {
    const errors = join(root, "core", "errors.ts");
    build.onResolve({ filter: /errors\.ts$/ }, (args) =>
      resolve(args.resolveDir, args.path) === errors ? { path: "../core/errors.js", external: true } : undefined);
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const name = lazyName(args.path, args.resolveDir);
      return name ? { path: `./${name}.js`, external: true } : undefined;
    });
    // A package given its own file: an entry that re-exports it, resolved as imports are (ESM first).
    build.onResolve({ filter: /^package:/ }, (args) => ({ path: args.path.slice("package:".length), namespace: "package" }));
    build.onLoad({ filter: /.*/, namespace: "package" }, (args) => ({
      contents: `export * from ${JSON.stringify(args.path)};`,
      resolveDir: root,
      loader: "js",
    }));
  },
};

const shared = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ESM builds first: hash-wasm's "main" is a UMD file whose named exports esbuild cannot see.
  mainFields: ["module", "main"],
  external: ["@napi-rs/keyring", "dotenv"],
  plugins: [splitLazyImports],
  legalComments: "none",
  logLevel: "warning",
};

const vaults = ["aws-secrets-manager", "azure-keyvault", "env", "hashicorp-vault", "keepass", "lastpass", "memory", "os-keyring", "sealed", "secretstore"];
const lazyEntries = Object.fromEntries([
  ...Object.entries(LAZY).map(([source, name]) => [name, source.endsWith(".ts") ? source : `package:${source}`]),
  ...vaults.map((vault) => [`vault-${vault}`, `extensions/${vault}/mod.ts`]),
]);

rmSync(outdir, { recursive: true, force: true });
await build({ ...shared, entryPoints: { main: "cli/main.ts", ...lazyEntries } });

const launcher = join(outdir, "secret.js");
writeFileSync(
  launcher,
  `#!/usr/bin/env node
// The npm \`secret\` bin (built by scripts/build-bin.mjs). Node 22.1+ caches compiled code between runs.
import module from "node:module";
module.enableCompileCache?.();
await import("./main.js");
`,
);
chmodSync(launcher, 0o755);
