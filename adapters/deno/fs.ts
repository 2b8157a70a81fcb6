/** The FileSystem over Deno's synchronous file APIs. */
import { dirname } from "../../core/paths.ts";
import type { AppendHandle, FileInfo, FileSystem } from "../../core/runtime.ts";
import { attempt, type AtomicWriteSteps, fileError, isNotFound, writeFileAtomic } from "../shared/files.ts";
import { Deno, type DenoFile, type DenoStat } from "./api.ts";

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

const atomicWriteSteps: AtomicWriteSteps = {
  writeNewFile(path, data, mode) {
    withFile(path, { write: true, createNew: true, mode }, (file) => {
      writeAll(file, data);
      file.syncSync();
    });
  },
  rename: (from, to) => Deno.renameSync(from, to),
  remove(path) {
    try {
      Deno.removeSync(path);
    } catch {
      // already gone
    }
  },
  syncDirectory,
};

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

export const denoFileSystem: FileSystem = {
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
    writeFileAtomic(atomicWriteSteps, Deno.pid, path, data, mode);
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
