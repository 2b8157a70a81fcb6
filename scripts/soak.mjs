// A soak worker (bench/soak.ts starts them on node, deno and bun): random set/get/remove/copy on one
// no-password SecretStore, on names of its own (`w<id>-n<k>`), so each name's history is sequential
// and can be model-checked after any number of kill -9. Before each write it journals the intent
// ("B"), after the store acknowledged it the acknowledgement ("A"); a get that disagrees with the
// worker's own model is journaled as a discrepancy ("X"). Usage: <module> <store dir> <journal> <id>.
import { appendFileSync } from "node:fs";
import process from "node:process";

const [modulePath, directory, journal, id] = process.argv.slice(2);
const { detectRuntime, SecretStore } = await import(modulePath);
const store = await SecretStore.open({ runtime: await detectRuntime(), directory, compactionThreshold: 16 * 1024 });
const names = Array.from({ length: 8 }, (_, k) => `w${id}-n${k}`);
/** What this worker last wrote to each name (undefined: absent). */
const model = new Map();
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const log = (line) => appendFileSync(journal, `${line}\n`);
let counter = 0;

for (;;) {
  const roll = Math.random();
  const name = pick(names);
  if (roll < 0.4) {
    const value = `${id}:${++counter}:${"x".repeat(Math.floor(Math.random() * 2000))}`;
    log(`B set ${name} ${value}`);
    await store.set(name, value);
    model.set(name, value);
    log("A");
  } else if (roll < 0.55) {
    if (model.get(name) === undefined) continue;
    log(`B remove ${name}`);
    await store.remove(name);
    model.set(name, undefined);
    log("A");
  } else if (roll < 0.7) {
    const source = pick(names);
    const value = await store.get(source);
    if (value !== model.get(source)) log(`X get ${source}`);
    if (value === undefined) continue;
    log(`B set ${name} ${value}`); // a copy: read one name, write its value to another
    await store.set(name, value);
    model.set(name, value);
    log("A");
  } else {
    const value = await store.get(name);
    log(value === model.get(name) ? "G" : `X get ${name}`);
  }
}
