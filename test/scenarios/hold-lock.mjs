// Takes the lock at argv[4] and holds it until killed: `<lock module> <node adapter module> <path>`.
const [lockPath, adapterPath, path] = process.argv.slice(2);
const { acquireLock } = await import(lockPath);
const { nodeRuntime } = await import(adapterPath);
await acquireLock(nodeRuntime, path);
console.log("locked");
setInterval(() => {}, 1000);
