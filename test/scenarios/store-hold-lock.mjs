// Takes the store's lock the way the store does and holds it until killed, for
// test/store-stress.test.ts: `<lock module> <module> <store dir>`. Prints "locked" once it holds it.
import process from "node:process";

const [lockModulePath, modulePath, directory] = process.argv.slice(2);
const { acquireLock } = await import(lockModulePath);
const { detectRuntime } = await import(modulePath);
const runtime = await detectRuntime();
await acquireLock(runtime, `${directory}/store.lock`);
console.log("locked");
setInterval(() => {}, 1000);
