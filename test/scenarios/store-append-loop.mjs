// A writer for test/store-stress.test.ts that the test kills with SIGKILL: `<module> <store dir>
// <round>`. Sets secrets in a loop and prints each name only after its set returned (acknowledged).
// Every fourth value is large (2 MiB) so that a kill can land inside the write of a record.
import process from "node:process";

const [modulePath, directory, round] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const runtime = await detectRuntime();
const store = await SecretStore.open({ runtime, directory });
for (let i = 0; ; i++) {
  const name = `r${round}/s${i}`;
  const length = i % 4 === 3 ? 2 * 1024 * 1024 : 200;
  await store.set(name, `${name}:`.padEnd(length, "x"));
  process.stdout.write(`${name}\n`);
}
