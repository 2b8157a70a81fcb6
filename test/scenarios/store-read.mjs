// A reader for test/store-stress.test.ts: `<module> <store dir> [--digest]`. Prints every secret of
// the no-password store as one JSON object { name: { value, metadata } }; with --digest the value
// is replaced by the SHA-256 hex of its UTF-8 bytes (values of megabytes stay out of the pipe).
import process from "node:process";

const [modulePath, directory, mode] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const runtime = await detectRuntime();
const store = await SecretStore.open({ runtime, directory });

async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

const all = {};
for (const info of await store.list("*")) {
  const value = await store.get(info.name);
  all[info.name] = { value: mode === "--digest" ? await sha256Hex(value) : value, metadata: info.metadata };
}
process.stdout.write(JSON.stringify(all) + "\n");
