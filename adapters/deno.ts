/** The Runtime for Deno, over `Deno.*` file, terminal and process APIs. */
import { dirname } from "../core/paths.ts";
import { childEnvironment } from "../core/process.ts";
import type { Aead, AppendHandle, ChildProcess, FileInfo, FileSystem, Runtime, SpawnOptions } from "../core/runtime.ts";
import { fileError, isNotFound } from "./file-errors.ts";
import { chaCha20Poly1305From } from "./node-aead.ts";
import { isYes, notATerminal, readHiddenLine } from "./terminal.ts";

interface DenoFile {
  readSync(buffer: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  seekSync(offset: number, whence: number): number;
  syncSync(): void;
  truncateSync(size?: number): void;
  statSync(): DenoStat;
  close(): void;
}

interface DenoStat {
  size: number;
  mode: number | null;
  uid: number | null;
  ino: number | null;
  mtime: Date | null;
  isFile: boolean;
  isDirectory: boolean;
}

interface DenoReader {
  setRaw(raw: boolean): void;
  isTerminal(): boolean;
  read(buffer: Uint8Array): Promise<number | null>;
  readable: ReadableStream<Uint8Array>;
}

interface DenoApi {
  build: { os: string };
  pid: number;
  createHttpClient(options: { caCerts: string[] }): unknown;
  uid(): number | null;
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  cwd(): string;
  hostname(): string;
  stdin: DenoReader;
  stdout: { isTerminal(): boolean; writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
  readFileSync(path: string): Uint8Array;
  openSync(path: string, options: Record<string, unknown>): DenoFile;
  statSync(path: string): DenoStat;
  renameSync(from: string, to: string): void;
  removeSync(path: string): void;
  mkdirSync(path: string, options: { recursive: boolean; mode: number }): void;
  chmodSync(path: string, mode: number): void;
  readDirSync(path: string): Iterable<{ name: string }>;
  addSignalListener(signal: string, handler: () => void): void;
  Command: new (command: string, options: Record<string, unknown>) => {
    spawn(): {
      pid: number;
      stdin: WritableStream<Uint8Array>;
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      status: Promise<{ code: number; signal: string | null }>;
      kill(signal?: string): void;
    };
  };
}

const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

let platformAead: { aead: Aead | undefined } | undefined;

/** A Node built-in module, loaded synchronously through Deno's `process` (which starts its Node layer). */
function nodeBuiltin<T>(name: "node:crypto"): T {
  return (globalThis as unknown as { process: { getBuiltinModule(name: string): T } }).process.getBuiltinModule(name);
}
const encoder = new TextEncoder();

function isFound(probe: () => unknown): boolean {
  try {
    probe();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function attempt<T>(path: string, action: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw fileError(error, path, action);
  }
}

function writeAll(file: DenoFile, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) written += file.writeSync(data.subarray(written));
}

function withFile<T>(path: string, options: Record<string, unknown>, work: (file: DenoFile) => T): T {
  const file = Deno.openSync(path, options);
  try {
    return work(file);
  } finally {
    file.close();
  }
}

function syncDirectory(path: string): void {
  if (Deno.build.os === "windows") return;
  withFile(dirname(path), { read: true }, (dir) => dir.syncSync());
}

function statInfo(s: DenoStat): FileInfo {
  return {
    size: s.size,
    mode: (s.mode ?? 0) & 0o777,
    uid: s.uid ?? undefined,
    ino: s.ino ?? 0,
    mtimeMs: s.mtime?.getTime() ?? 0,
    isFile: s.isFile,
    isDirectory: s.isDirectory,
  };
}

const denoFileSystem: FileSystem = {
  readFile(path) {
    try {
      return Deno.readFileSync(path);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw fileError(error, path, "read");
    }
  },
  readFileFrom(path, offset, length) {
    return attempt(path, "read", () =>
      withFile(path, { read: true }, (file) => {
        const size = file.statSync().size;
        const count = Math.max(0, Math.min(length ?? Infinity, size - offset));
        const buffer = new Uint8Array(count);
        file.seekSync(offset, 0);
        let read = 0;
        while (read < count) {
          const n = file.readSync(buffer.subarray(read));
          if (n === null || n === 0) break;
          read += n;
        }
        return read === count ? buffer : buffer.subarray(0, read);
      }));
  },
  stat(path) {
    try {
      return statInfo(Deno.statSync(path));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw fileError(error, path, "stat");
    }
  },
  writeFileAtomic(path, data, mode = 0o600) {
    const temp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2)}`;
    attempt(path, "write", () => {
      withFile(temp, { write: true, createNew: true, mode }, (file) => {
        writeAll(file, data);
        file.syncSync();
      });
      try {
        Deno.renameSync(temp, path);
      } catch (error) {
        Deno.removeSync(temp);
        throw error;
      }
      syncDirectory(path);
    });
  },
  appendFile(path, data, mode = 0o600) {
    attempt(path, "append to", () =>
      withFile(path, { append: true, create: true, mode }, (file) => {
        writeAll(file, data);
        file.syncSync();
      }));
  },
  openAppend(path, createMode): AppendHandle {
    const options = createMode === undefined ? { append: true } : { append: true, createNew: true, mode: createMode };
    const file = attempt(path, "open", () => Deno.openSync(path, options));
    return {
      stat: () => attempt(path, "stat", () => statInfo(file.statSync())),
      append: (data) =>
        attempt(path, "append to", () => {
          writeAll(file, data);
          file.syncSync();
        }),
      truncate: (size) =>
        attempt(path, "truncate", () => {
          file.truncateSync(size);
          file.syncSync();
        }),
      close: () => file.close(),
    };
  },
  createExclusive(path, data, mode = 0o600) {
    let file: DenoFile;
    try {
      file = Deno.openSync(path, { write: true, createNew: true, mode });
    } catch (error) {
      if ((error as { code?: string }).code === "EEXIST") return false;
      throw fileError(error, path, "create");
    }
    try {
      writeAll(file, data);
    } catch (error) {
      // A half-written file (a full disk) must not stand for a whole one: a lock file that names nobody.
      try {
        Deno.removeSync(path);
      } catch {
        // already gone
      }
      throw fileError(error, path, "write");
    } finally {
      file.close();
    }
    return true;
  },
  truncate(path, size) {
    attempt(path, "truncate", () =>
      withFile(path, { write: true }, (file) => {
        file.truncateSync(size);
        file.syncSync();
      }));
  },
  rename(from, to) {
    attempt(from, "rename", () => {
      Deno.renameSync(from, to);
      syncDirectory(to);
    });
  },
  remove(path) {
    try {
      Deno.removeSync(path);
    } catch (error) {
      if (!isNotFound(error)) throw fileError(error, path, "remove");
    }
  },
  mkdir(path, mode = 0o700) {
    attempt(path, "create directory", () => {
      try {
        Deno.statSync(path);
      } catch {
        Deno.mkdirSync(path, { recursive: true, mode });
      }
    });
  },
  chmod(path, mode) {
    attempt(path, "chmod", () => Deno.chmodSync(path, mode));
  },
  readDir(path) {
    return attempt(path, "list", () => Array.from(Deno.readDirSync(path), (entry) => entry.name));
  },
};

async function withRawStdin<T>(work: (read: () => Promise<Uint8Array | null>) => Promise<T>): Promise<T> {
  Deno.stdin.setRaw(true);
  try {
    return await work(async () => {
      const buffer = new Uint8Array(256);
      const n = await Deno.stdin.read(buffer);
      return n === null ? null : buffer.subarray(0, n);
    });
  } finally {
    Deno.stdin.setRaw(false);
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function denoSpawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    clearEnv: true,
    env: childEnvironment(Deno.env.toObject(), options.env),
    stdin: options.stdin === "inherit" ? "inherit" : options.stdin ? "piped" : "null",
    stdout: options.stdout === "inherit" ? "inherit" : "piped",
    stderr: options.stderr === "inherit" ? "inherit" : "piped",
  }).spawn();
  if (options.stdin instanceof Uint8Array) {
    const writer = child.stdin.getWriter();
    writer.write(options.stdin).then(() => writer.close()).catch(() => {});
  }
  return {
    pid: child.pid,
    stdout: options.stdout === "inherit" ? undefined : child.stdout,
    stderr: options.stderr === "inherit" ? undefined : child.stderr,
    exited: child.status.then((status) => (status.signal ? 128 + (SIGNALS[status.signal] ?? 0) : status.code)),
    kill: (signal = "SIGTERM") => child.kill(signal),
  };
}

function platform(): Runtime["platform"] {
  const os = Deno.build.os;
  if (os === "linux" || os === "darwin" || os === "windows") return os;
  return "other";
}

const httpClients = new Map<string, Record<string, unknown>>();

export const denoRuntime: Runtime = {
  name: "deno",
  platform: platform(),
  fs: denoFileSystem,
  async trustCertificate(pem) {
    if (!httpClients.has(pem)) httpClients.set(pem, { client: Deno.createHttpClient({ caCerts: [pem] }) });
    return httpClients.get(pem);
  },
  get chacha20poly1305() {
    // Fetched when a store is first opened, not at start-up: node:crypto starts Deno's Node layer.
    platformAead ??= { aead: chaCha20Poly1305From(nodeBuiltin("node:crypto")) };
    return platformAead.aead;
  },
  pid: Deno.pid,
  uid: Deno.uid() ?? undefined,
  env: (name) => Deno.env.get(name),
  envObject: () => Deno.env.toObject(),
  homeDir: () => Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE"),
  cwd: () => Deno.cwd(),
  hostname: () => Deno.hostname(),
  isProcessAlive(pid) {
    if (Deno.build.os === "linux") return isFound(() => Deno.statSync(`/proc/${pid}`));
    // Deno.kill has no signal 0; Node's process.kill does. Reached lazily: touching `process` starts
    // Deno's Node compatibility layer, ~35 ms that start-up should not pay.
    try {
      (globalThis as unknown as { process: { kill(pid: number, signal: number): void } }).process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === "EPERM";
    }
  },
  stdinIsTerminal: () => Deno.stdin.isTerminal(),
  stdoutIsTerminal: () => Deno.stdout.isTerminal(),
  async promptSecret(message) {
    if (!Deno.stdin.isTerminal()) throw notATerminal();
    Deno.stderr.writeSync(encoder.encode(message));
    try {
      return await withRawStdin(readHiddenLine);
    } finally {
      Deno.stderr.writeSync(encoder.encode("\n"));
    }
  },
  async confirm(message) {
    if (!Deno.stdin.isTerminal()) throw notATerminal();
    Deno.stderr.writeSync(encoder.encode(`${message} [y/N] `));
    const answer = await withRawStdin(readHiddenLine).finally(() => Deno.stderr.writeSync(encoder.encode("\n")));
    return isYes(answer);
  },
  async readStdin() {
    return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  },
  writeStdout(data) {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  },
  writeStderr(data) {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  },
  spawn: denoSpawn,
  onExit(callback) {
    globalThis.addEventListener("unload", callback);
  },
};
