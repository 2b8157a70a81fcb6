// Sets one secret in a no-password SecretStore: `<module> <store dir> <name> <value>` (test values only).
import process from "node:process";

const [modulePath, directory, name, value] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const store = await SecretStore.open({ runtime: await detectRuntime(), directory });
await store.set(name, value);
console.log("ok");
process.exit(0);
