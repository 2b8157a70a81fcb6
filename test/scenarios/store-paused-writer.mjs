// A SecretStore writer that pauses itself (SIGSTOP) at a chosen point while it holds the store lock,
// for test/store-lock-takeover.test.ts: `<module> <store dir> <point> <marker file>`.
//   append   `set("big", …)` (2 MiB), stopped after its lock check, just before the append itself;
//   compact  `compact()`, stopped after its lock check, just before renaming the new log into place.
// It writes <marker file> just before stopping itself. On resume it prints "ok" or "error:<code>".
import { writeFileSync } from "node:fs";
import process from "node:process";

const [modulePath, directory, point, marker] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const runtime = await detectRuntime();

function pause() {
  writeFileSync(marker, String(process.pid));
  process.kill(process.pid, "SIGSTOP");
}

// The runtime's file system, with a pause inserted before the step under test.
const fs = Object.create(runtime.fs);
fs.openAppend = (path, createMode) => {
  const file = runtime.fs.openAppend(path, createMode);
  if (point !== "append" || !path.endsWith("store.log")) return file;
  return { ...file, append: (data) => (pause(), file.append(data)) };
};
// (Engines before the lock-takeover fix appended by path: pause there too, to show what went wrong.)
fs.appendFile = (path, data, mode) => {
  if (point === "append" && path.endsWith("store.log")) pause();
  return runtime.fs.appendFile(path, data, mode);
};
fs.rename = (from, to) => {
  if (point === "compact" && to.endsWith("store.log") && from.includes(".tmp-")) pause();
  return runtime.fs.rename(from, to);
};
const pausing = Object.create(runtime, { fs: { value: fs } });

const store = await SecretStore.open({ runtime: pausing, directory });
try {
  if (point === "append") await store.set("big", "b".repeat(2 * 1024 * 1024));
  else await store.compact();
  console.log("ok");
} catch (error) {
  console.log(`error:${error.code ?? error.message}`);
}
process.exit(0);
