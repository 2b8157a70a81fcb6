/**
 * KeePassXC's command line for the keepass tests, and the check that every KDBX file a test file
 * wrote opens in it: `kdbxFiles()` gives directories whose `.kdbx` files are all opened with
 * `keepassxc-cli ls -R` and `export` after the file's tests (a file KeePassXC cannot read, e.g. for
 * raw control characters in its XML, fails the run).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { loadKdbxweb } from "../../extensions/keepass/kdbxweb.ts";

export const PASSWORD = "correct horse ✓ battery";

export interface KeepassxcResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** keepassxc-cli with `stdinLines` on stdin; throws when it is missing. */
export function runKeepassxc(args: string[], stdinLines: string[]): KeepassxcResult {
  const result = spawnSync("keepassxc-cli", args, { input: stdinLines.map((line) => `${line}\n`).join("") });
  if (result.error) throw new Error(`keepassxc-cli is not installed (apt-get install keepassxc): ${result.error.message}`);
  return { status: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** keepassxc-cli's stdout; throws with its stderr when it fails. */
export function keepassxc(args: string[], stdinLines: string[]): string {
  const result = runKeepassxc(args, stdinLines);
  if (result.status !== 0) throw new Error(`keepassxc-cli ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

export const keyArgs = (keyFile?: string) => (keyFile ? ["-k", keyFile] : []);

/** An attribute as keepassxc-cli shows it (protected ones in clear), without the final newline. */
export function kxcShow(db: string, entry: string, attribute: string, keyFile?: string): string {
  return keepassxc(["show", "-q", "-s", ...keyArgs(keyFile), "-a", attribute, db, entry], [PASSWORD]).replace(/\n$/, "");
}

/** An attachment exported by keepassxc-cli to a file (its --stdout goes through text and mangles bytes). */
export function kxcAttachment(db: string, entry: string, name: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "sm-keepass-attachment-"));
  try {
    const out = join(dir, "out.bin");
    keepassxc(["attachment-export", "-q", db, entry, name, out], [PASSWORD]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function kxcAdd(db: string, entry: string, password: string, options: string[] = [], keyFile?: string): void {
  keepassxc(["add", "-q", ...keyArgs(keyFile), ...options, "-p", db, entry], [PASSWORD, password]);
}

/** KDBX version from the file header: [major, minor]. */
export function kdbxVersion(path: string): [number, number] {
  const header = readFileSync(path);
  return [header.readUInt16LE(10), header.readUInt16LE(8)];
}

/** A KDBX 3.1 AES-KDF file made by keepassxc-cli itself. */
export function createKdbx3(path: string, keyFile?: string): void {
  const keyOption = keyFile ? ["--set-key-file", keyFile] : [];
  keepassxc(["db-create", "-q", "-p", "-t", "100", ...keyOption, path], [PASSWORD, PASSWORD]);
}

/** An empty KDBX 4 file with cheap KDF parameters (for tests only), made with kdbxweb. */
export async function createKdbx4(path: string, kdf: "Argon2d" | "Argon2id" | "Aes", keyFile?: string): Promise<void> {
  const kdbxweb = await loadKdbxweb();
  const keyBytes = keyFile ? new Uint8Array(readFileSync(keyFile)) : null;
  const credentials = new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(PASSWORD), keyBytes);
  await credentials.ready;
  const db = kdbxweb.Kdbx.create(credentials, "test");
  db.setKdf(kdbxweb.Consts.KdfId[kdf]);
  const { UInt64 } = kdbxweb.VarDictionary.ValueType;
  if (kdf === "Aes") {
    db.header.kdfParameters!.set("R", UInt64, kdbxweb.Int64.from(1000));
  } else {
    db.header.kdfParameters!.set("M", UInt64, kdbxweb.Int64.from(1024 * 1024));
    db.header.kdfParameters!.set("I", UInt64, kdbxweb.Int64.from(2));
  }
  writeFileSync(path, new Uint8Array(await db.save()), { mode: 0o600 });
}

/**
 * Directories for the test file's KDBX files; after its tests every `.kdbx` in them must open in
 * keepassxc-cli (`ls -R` and `export`), except those marked `unreadable` (damaged on purpose).
 */
export function kdbxFiles() {
  const dirs: string[] = [];
  const keyFiles = new Map<string, string>();
  const unreadable = new Set<string>();
  afterAll(() => {
    const failures: string[] = [];
    for (const dir of dirs) {
      for (const name of readdirSync(dir).filter((file) => file.endsWith(".kdbx"))) {
        const path = join(dir, name);
        if (unreadable.has(path)) continue;
        for (const command of [["ls", "-R"], ["export"]]) {
          const result = runKeepassxc([command[0]!, "-q", ...keyArgs(keyFiles.get(path)), ...command.slice(1), path], [PASSWORD]);
          if (result.status !== 0) failures.push(`${command[0]} ${path}: ${result.stderr.trim()}`);
        }
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    expect(failures).toEqual([]);
  }, 120_000);
  return {
    /** A new directory whose KDBX files are checked. */
    dir(label: string): string {
      const dir = mkdtempSync(join(tmpdir(), `sm-${label}-`));
      dirs.push(dir);
      return dir;
    },
    /** `path` opens with this key file (and PASSWORD). */
    keyFile(path: string, keyFile: string): void {
      keyFiles.set(path, keyFile);
    },
    /** `path` is damaged or hostile on purpose and not checked. */
    unreadable(path: string): void {
      unreadable.add(path);
    },
  };
}
