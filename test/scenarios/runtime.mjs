// Exercises the Runtime adapter of whichever runtime runs this: `<detect module> <process module> <dir>`.
const [detectPath, processPath, dir] = process.argv.slice(2);
const { detectRuntime } = await import(detectPath);
const { runCommand } = await import(processPath);
const rt = await detectRuntime();
const fs = rt.fs;
const out = { name: rt.name, platform: rt.platform };
const enc = new TextEncoder();
const dec = new TextDecoder();

fs.mkdir(`${dir}/a/b`, 0o700);
out.dirMode = fs.stat(`${dir}/a/b`).mode;
fs.writeFileAtomic(`${dir}/a/b/file`, enc.encode("hello"), 0o600);
out.fileMode = fs.stat(`${dir}/a/b/file`).mode;
fs.writeFileAtomic(`${dir}/a/b/file`, enc.encode("replaced"));
fs.appendFile(`${dir}/a/b/file`, enc.encode("+tail"));
out.content = dec.decode(fs.readFile(`${dir}/a/b/file`));
out.from = dec.decode(fs.readFileFrom(`${dir}/a/b/file`, 8));
out.range = dec.decode(fs.readFileFrom(`${dir}/a/b/file`, 2, 3));
out.pastEnd = fs.readFileFrom(`${dir}/a/b/file`, 100).length;
out.missing = fs.readFile(`${dir}/nope`) === undefined && fs.stat(`${dir}/nope`) === undefined;
out.exclusive = [fs.createExclusive(`${dir}/x`, enc.encode("1")), fs.createExclusive(`${dir}/x`, enc.encode("2"))];
fs.truncate(`${dir}/a/b/file`, 3);
out.truncated = dec.decode(fs.readFile(`${dir}/a/b/file`));
fs.rename(`${dir}/x`, `${dir}/y`);
fs.chmod(`${dir}/y`, 0o640);
out.chmod = fs.stat(`${dir}/y`).mode;
out.listing = fs.readDir(dir).sort();
fs.remove(`${dir}/y`);
fs.remove(`${dir}/y`);
out.leftovers = fs.readDir(`${dir}/a/b`);
try {
  fs.readFileFrom(`${dir}/a`, 0);
  out.dirReadError = "none";
} catch (error) {
  out.dirReadError = error.code;
}
out.alive = [rt.isProcessAlive(rt.pid), rt.isProcessAlive(2 ** 22 + 12345)];
out.env = rt.env("SM_TEST_VAR");
const child = await runCommand(rt, "sh", ["-c", 'printf "%s|" "$SM_CHILD" "$#"; cat'], {
  env: { SM_CHILD: "extra" },
  stdin: "from-stdin",
});
out.child = [child.code, child.stdout];
const failing = await runCommand(rt, "sh", ["-c", "echo err >&2; exit 7"]);
out.failing = [failing.code, failing.stderr];
try {
  await runCommand(rt, "no-such-command-xyz", []);
  out.notFound = "none";
} catch (error) {
  out.notFound = error.code;
}
try {
  await rt.promptSecret("Password: ");
  out.prompt = "none";
} catch (error) {
  out.prompt = error.code;
}
console.log(JSON.stringify(out));
