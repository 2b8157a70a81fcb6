// A writer for test/store-stress.test.ts: `<module> <store dir> <writer id> <count>`. Opens the
// no-password store, says "ready", waits for "go" on stdin (so all writers start together), sets
// <count> distinct secrets and says "done". Values are derived from the names: no secret in argv.
import process from "node:process";

const [modulePath, directory, writer, count] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const runtime = await detectRuntime();
const store = await SecretStore.open({ runtime, directory });
console.log("ready");
await new Promise((resolve) => process.stdin.once("data", resolve));
for (let i = 0; i < Number(count); i++) {
  await store.set(`w${writer}/s${i}`, `value-${writer}-${i}-${runtime.name}`, { writer, i });
}
console.log("done");
process.exit(0);
