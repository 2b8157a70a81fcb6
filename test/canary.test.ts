/**
 * Canary scan: a CLI session in which every secret value and every password is a unique canary
 * string, then a scan of everything the session produced — stdout and stderr of every command (but
 * the stdout of the commands asked to print a value), every file in the home (the encrypted store
 * files included: they must not hold a canary in clear either) and the temporary directory the
 * commands ran with. A canary found anywhere, as text, UTF-16, hex or base64, fails the test. The
 * unlock agent's memory is out of scope.
 *
 * Two outputs carry sensitive text on purpose and are checked the other way round: the key that
 * `secret store export --sealed` prints (allowed on that command's stdout only; the sealed file
 * must hold no canary in clear), and passwords made by `secret set --generate` (read back with
 * `secret get` at the end, then scanned for like every canary; `--print` asks for it on stdout).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSealedStore } from "../core/sealed.ts";
import { type CliResult, secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";
import type { RuntimeName } from "./helpers/runtimes.ts";

const canaries: string[] = [];
function canary(label: string): string {
  const value = `CANARY-${label}-${crypto.randomUUID().replaceAll("-", "")}`;
  canaries.push(value);
  return value;
}

/** Every form a leaked value might take in output or files. */
function forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [value, bytes.toString("base64").replace(/=+$/, ""), bytes.toString("hex"), Buffer.from(value, "utf16le").toString("latin1")];
}

interface Produced {
  label: string;
  text: string;
}

function filesUnder(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) found.push(path);
  }
  return found;
}

describe("canary scan", () => {
  it("no secret value or password appears in any output, log or file of a CLI session", async () => {
    const home = tempHome("canary");
    const tmp = join(home, "..", `${home.split("/").pop()}-tmp`);
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const produced: Produced[] = [];
    const password = canary("password");
    const newPassword = canary("new-password");
    const run = (runtime: RuntimeName, args: string[], options: { input?: string; env?: Record<string, string>; prints?: boolean } = {}): CliResult => {
      const result = secret(runtime, home, args, {
        input: options.input,
        env: { TMPDIR: tmp, SECRETSTORE_PASSWORD: password, ...options.env },
      });
      const label = `${runtime} secret ${args.join(" ")}`;
      if (!options.prints) produced.push({ label: `${label} (stdout)`, text: result.stdout });
      produced.push({ label: `${label} (stderr)`, text: result.stderr });
      return result;
    };

    const alpha = canary("alpha");
    const bytesValue = canary("bytes");
    const username = canary("username");
    const credentialPassword = canary("credential-password");
    const mapValue = canary("map-entry");
    expect(run("node", ["set", "alpha", "--stdin"], { input: alpha }).status).toBe(0); // first use: creates the store
    expect(run("bun", ["set", "raw", "--type", "bytes", "--stdin"], { input: bytesValue }).status).toBe(0);
    expect(run("deno", ["set", "cred", "--type", "credential", "--username", username, "--stdin"], { input: credentialPassword }).status).toBe(0);
    expect(run("node", ["set", "map", "--type", "map", "--stdin"], { input: JSON.stringify({ key: mapValue }) }).status).toBe(0);

    expect(run("node", ["get", "alpha"], { prints: true }).stdout).toBe(alpha);
    expect(run("bun", ["get", "cred", "--field", "password"], { prints: true }).stdout.trim()).toBe(credentialPassword);
    expect(run("deno", ["get", "map", "--json"], { prints: true }).status).toBe(0);
    expect(run("node", ["info", "--json"]).status).toBe(0);
    expect(run("node", ["info"]).status).toBe(0);
    expect(run("node", ["vault", "list"]).status).toBe(0);

    // A sealed export: the key goes to stdout alone, the file (in the home, so scanned) holds no canary in clear.
    const sealedFile = join(home, "exports", "app.sealed");
    mkdirSync(join(home, "exports"), { mode: 0o700 });
    const exported = run("node", ["store", "export", "--sealed", sealedFile], { prints: true });
    expect(exported).toMatchObject({ status: 0, stderr: "" });
    const sealedKey = exported.stdout.trim();
    expect(exported.stdout).toBe(`${sealedKey}\n`);
    expect(sealedKey).toMatch(/^smsk1_[0-9a-f]{64}$/);

    // Generated passwords: printed only with --print; read back at the end and scanned for.
    expect(run("node", ["set", "generated", "--generate"])).toMatchObject({ status: 0, stdout: "" });
    const printedGenerated = run("deno", ["set", "generated-printed", "--generate", "--charset", "all", "--length", "40", "--print"], {
      prints: true,
    });
    expect(printedGenerated.status).toBe(0);
    const child = run("node", ["run", "--env", "ALPHA=alpha", "--", process.execPath, "-e", "process.stdout.write(String(process.env.ALPHA.length))"]);
    expect(child).toMatchObject({ status: 0, stdout: String(alpha.length) });
    expect(run("node", ["inject"], { input: "length only: {{ secret://local/missing }}" }).status).not.toBe(0);

    // Failures: a wrong password, an existing name, a value given where a name goes, a stack trace.
    expect(run("node", ["get", "alpha"], { env: { SECRETSTORE_PASSWORD: canary("wrong-password") } }).status).toBe(4);
    expect(run("node", ["set", "alpha", "--no-clobber", "--stdin"], { input: canary("refused") }).status).not.toBe(0);
    expect(run("node", ["get", "--debug", "no-such-secret"]).status).toBe(3);
    expect(run("bun", ["set", "alpha", "--type", "map", "--stdin"], { input: `{"broken": ${JSON.stringify(canary("bad-map"))}` }).status).toBe(2);

    // Password change, the unlock agent, removal.
    expect(run("node", ["store", "password", "--password-stdin"], { input: `${password}\n${newPassword}\n` }).status).toBe(0);
    expect(run("node", ["store", "unlock", "--password-stdin"], { input: `${newPassword}\n`, env: { SECRETSTORE_PASSWORD: "" } }).status).toBe(0);
    expect(run("bun", ["get", "alpha"], { prints: true, env: { SECRETSTORE_PASSWORD: "" } }).stdout).toBe(alpha);
    expect(run("node", ["remove", "alpha", "--vault", "local"], { env: { SECRETSTORE_PASSWORD: newPassword } }).status).toBe(0);
    expect(run("node", ["store", "lock"]).status).toBe(0);

    // The snapshot opens with the printed key and holds the canaries, so the scan of its file means something.
    const snapshot = await openSealedStore(readFileSync(sealedFile), sealedKey);
    expect(await snapshot.get("alpha")).toBe(alpha);
    const generated = run("node", ["get", "generated"], { prints: true, env: { SECRETSTORE_PASSWORD: newPassword } }).stdout;
    expect(generated).toMatch(/^[A-Za-z0-9]{32}$/);
    const generatedPrinted = run("node", ["get", "generated-printed"], { prints: true, env: { SECRETSTORE_PASSWORD: newPassword } }).stdout;
    expect(generatedPrinted).toHaveLength(40);
    expect(printedGenerated.stdout.trim()).toBe(generatedPrinted);
    canaries.push(generated, generatedPrinted);

    for (const path of [...filesUnder(home), ...filesUnder(tmp)]) {
      produced.push({ label: path, text: readFileSync(path).toString("latin1") });
    }
    expect(produced.length).toBeGreaterThan(40);
    const leaks: string[] = [];
    for (const value of canaries) {
      for (const form of forms(value)) {
        for (const { label, text } of produced) if (text.includes(form)) leaks.push(`${value.slice(0, 20)}… in ${label}`);
      }
    }
    // The sealed key, text or bare hex, appears in nothing but the export's stdout (which is not in `produced`).
    for (const form of [...forms(sealedKey), sealedKey.slice("smsk1_".length)]) {
      for (const { label, text } of produced) if (text.includes(form)) leaks.push(`the sealed key in ${label}`);
    }
    expect(leaks).toEqual([]);
  }, 180_000);
});
