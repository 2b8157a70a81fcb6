// Drives the unlock agent client on whichever runtime runs this:
// `<agent module> <detect module> <home> <op> [storeId] [keyHex] [timeout] [directory]`, or
// `... read <directory> <name>`; prints a JSON result.
const [agentPath, detectPath, home, op, storeId, keyHex, timeout, directory] = process.argv.slice(2);
const agent = await import(agentPath);
const { detectRuntime } = await import(detectPath);
const runtime = await detectRuntime();
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
try {
  if (op === "give") {
    const key = new Uint8Array(keyHex.match(/../g).map((h) => parseInt(h, 16)));
    await agent.giveKey(runtime, home, { storeId, directory, key, timeout: Number(timeout) });
    console.log(JSON.stringify({ ok: true }));
  } else if (op === "fetch") {
    const held = await agent.fetchKey(runtime, home, storeId);
    console.log(JSON.stringify(held ? { key: hex(held.key), remaining: held.remaining } : { key: null }));
  } else if (op === "read") {
    const [readDirectory, name] = [storeId, keyHex];
    const value = await agent.readThroughAgent(runtime, home, readDirectory, name);
    console.log(JSON.stringify({ value: value ?? null }));
  } else if (op === "ping") {
    console.log(JSON.stringify((await agent.ask(agent.agentPaths(runtime, home).socket, { op: "ping" })) ?? null));
  } else if (op === "stop") {
    console.log(JSON.stringify({ stopped: await agent.stopAgent(runtime, home) }));
  }
} catch (error) {
  console.log(JSON.stringify({ error: error.code ?? "unknown", message: error.message }));
}
process.exit(0);
