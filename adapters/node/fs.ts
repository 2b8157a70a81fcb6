/** The FileSystem over `node:fs` (synchronous), shared by the Node and Bun adapters. */
import * as fs from "node:fs";
import { dirname } from "../../core/paths.ts";
import type { AppendHandle, FileInfo, FileSystem } from "../../core/runtime.ts";
import { attempt, type AtomicWriteSteps, fileError, isNotFound, writeFileAtomic } from "../shared/files.ts";

function writeAll(fd: number, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
}

function syncDirectory(path: string): void {
  if (process.platform === "win32") return; // directories cannot be opened for fsync there
  const fd = fs.openSync(dirname(path), "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens `path` with `flags`, writes all of `data`, fsyncs and closes it. */
function writeSynced(path: string, flags: string, mode: number, data: Uint8Array): void {
  const fd = fs.openSync(path, flags, mode);
  try {
    writeAll(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const atomicWriteSteps: AtomicWriteSteps = {
  writeNewFile: (path, data, mode) => writeSynced(path, "wx", mode, data),
  rename: (from, to) => fs.renameSync(from, to),
  remove: (path) => fs.rmSync(path, { force: true }),
  syncDirectory,
};

function statInfo(s: fs.Stats): FileInfo {
  return {
    size: s.size,
    mode: s.mode & 0o777,
    uid: process.platform === "win32" ? undefined : s.uid,
    ino: s.ino,
    mtimeMs: s.mtimeMs,
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
  };
}

export const nodeFileSystem: FileSystem = {
  readFile(path) {
    try {
      return new Uint8Array(fs.readFileSync(path));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw fileError(error, path, "read");
    }
  },

  readFileFrom(path, offset, length) {
    return attempt(path, "read", () => {
      const fd = fs.openSync(path, "r");
      try {
        const size = fs.fstatSync(fd).size;
        const count = Math.max(0, Math.min(length ?? Infinity, size - offset));
        const buffer = new Uint8Array(count);
        let read = 0;
        while (read < count) {
          const n = fs.readSync(fd, buffer, read, count - read, offset + read);
          if (n === 0) break;
          read += n;
        }
        return read === count ? buffer : buffer.subarray(0, read);
      } finally {
        fs.closeSync(fd);
      }
    });
  },

  stat(path): FileInfo | undefined {
    try {
      return statInfo(fs.statSync(path));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw fileError(error, path, "stat");
    }
  },

  writeFileAtomic(path, data, mode = 0o600) {
    writeFileAtomic(atomicWriteSteps, process.pid, path, data, mode);
  },

  appendFile(path, data, mode = 0o600) {
    attempt(path, "append to", () => writeSynced(path, "a", mode, data));
  },

  openAppend(path, createMode): AppendHandle {
    const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL } = fs.constants;
    const flags = O_WRONLY | O_APPEND | (createMode === undefined ? 0 : O_CREAT | O_EXCL);
    const fd = attempt(path, "open", () => fs.openSync(path, flags, createMode));
    return {
      stat: () => attempt(path, "stat", () => statInfo(fs.fstatSync(fd))),
      append: (data) =>
        attempt(path, "append to", () => {
          writeAll(fd, data);
          fs.fsyncSync(fd);
        }),
      truncate: (size) =>
        attempt(path, "truncate", () => {
          fs.ftruncateSync(fd, size);
          fs.fsyncSync(fd);
        }),
      close: () => fs.closeSync(fd),
    };
  },

  createExclusive(path, data, mode = 0o600) {
    let fd: number;
    try {
      fd = fs.openSync(path, "wx", mode);
    } catch (error) {
      if ((error as { code?: string }).code === "EEXIST") return false;
      throw fileError(error, path, "create");
    }
    try {
      writeAll(fd, data);
    } catch (error) {
      // A half-written file (a full disk) must not stand for a whole one: a lock file that names nobody.
      fs.rmSync(path, { force: true });
      throw fileError(error, path, "write");
    } finally {
      fs.closeSync(fd);
    }
    return true;
  },

  truncate(path, size) {
    attempt(path, "truncate", () => {
      const fd = fs.openSync(path, "r+");
      try {
        fs.ftruncateSync(fd, size);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
  },

  rename(from, to) {
    attempt(from, "rename", () => {
      fs.renameSync(from, to);
      syncDirectory(to);
    });
  },

  remove(path) {
    attempt(path, "remove", () => fs.rmSync(path, { force: true }));
  },

  mkdir(path, mode = 0o700) {
    attempt(path, "create directory", () => {
      if (!fs.existsSync(path)) fs.mkdirSync(path, { recursive: true, mode });
    });
  },

  chmod(path, mode) {
    attempt(path, "chmod", () => fs.chmodSync(path, mode));
  },

  readDir(path) {
    return attempt(path, "list", () => fs.readdirSync(path));
  },
};
