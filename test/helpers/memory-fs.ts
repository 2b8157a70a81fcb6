/**
 * An in-memory `FileSystem` with the semantics the store engine relies on (inode identity across
 * renames, O_APPEND handles that keep writing to the file they opened, exclusive create), so that
 * fuzz properties can run the real engine thousands of times without touching a disk.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { AppendHandle, FileInfo, FileSystem, Runtime } from "../../core/runtime.ts";
import { nodeRuntime } from "../../adapters/node.ts";

interface Node {
  ino: number;
  data: Uint8Array;
  mode: number;
  mtimeMs: number;
}

export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Node>();
  readonly directories = new Set<string>(["/"]);
  #nextIno = 1;
  #clock = 1;

  #node(path: string): Node | undefined {
    return this.files.get(path);
  }

  #touch(node: Node): void {
    node.mtimeMs = this.#clock++;
  }

  #put(path: string, data: Uint8Array, mode: number): Node {
    const node = { ino: this.#nextIno++, data, mode, mtimeMs: this.#clock++ };
    this.files.set(path, node);
    return node;
  }

  /** The bytes of `path` (for tests that alter a file in place). */
  bytes(path: string): Uint8Array {
    return this.#node(path)!.data;
  }

  /** Replaces the content of `path` in place (same inode, new mtime), as an attacker writing the file would. */
  overwrite(path: string, data: Uint8Array): void {
    const node = this.#node(path)!;
    node.data = data;
    this.#touch(node);
  }

  readFile(path: string): Uint8Array | undefined {
    return this.#node(path)?.data.slice();
  }

  readFileFrom(path: string, offset: number, length?: number): Uint8Array {
    const data = this.#node(path)?.data ?? new Uint8Array();
    return data.slice(offset, length === undefined ? undefined : offset + length);
  }

  stat(path: string): FileInfo | undefined {
    const node = this.#node(path);
    if (node) {
      return { size: node.data.length, mode: node.mode, uid: nodeRuntime.uid, ino: node.ino, mtimeMs: node.mtimeMs, isFile: true, isDirectory: false };
    }
    if (this.directories.has(path)) {
      return { size: 0, mode: 0o700, uid: nodeRuntime.uid, ino: 0, mtimeMs: 0, isFile: false, isDirectory: true };
    }
    return undefined;
  }

  writeFileAtomic(path: string, data: Uint8Array, mode = 0o600): void {
    this.#put(path, data.slice(), mode);
  }

  appendFile(path: string, data: Uint8Array, mode = 0o600): void {
    const node = this.#node(path) ?? this.#put(path, new Uint8Array(), mode);
    node.data = concat(node.data, data);
    this.#touch(node);
  }

  openAppend(path: string, createMode?: number): AppendHandle {
    let node = this.#node(path);
    if (createMode !== undefined) {
      if (node) throw new SecretManagementError("IO_ERROR", `${path} already exists`);
      node = this.#put(path, new Uint8Array(), createMode);
    }
    if (!node) throw new SecretManagementError("IO_ERROR", `${path} does not exist`);
    const open = node;
    return {
      stat: () => ({ size: open.data.length, mode: open.mode, uid: nodeRuntime.uid, ino: open.ino, mtimeMs: open.mtimeMs, isFile: true, isDirectory: false }),
      append: (data) => {
        open.data = concat(open.data, data);
        this.#touch(open);
      },
      truncate: (size) => {
        open.data = open.data.slice(0, size);
        this.#touch(open);
      },
      close: () => undefined,
    };
  }

  createExclusive(path: string, data: Uint8Array, mode = 0o600): boolean {
    if (this.#node(path)) return false;
    this.#put(path, data.slice(), mode);
    return true;
  }

  truncate(path: string, size: number): void {
    const node = this.#node(path)!;
    node.data = node.data.slice(0, size);
    this.#touch(node);
  }

  rename(from: string, to: string): void {
    const node = this.#node(from);
    if (!node) throw new SecretManagementError("IO_ERROR", `${from} does not exist`);
    this.files.delete(from);
    this.files.set(to, node);
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  mkdir(path: string): void {
    this.directories.add(path);
  }

  chmod(path: string, mode: number): void {
    const node = this.#node(path);
    if (node) node.mode = mode;
  }

  readDir(path: string): string[] {
    const prefix = `${path}/`;
    return [...this.files.keys()].filter((name) => name.startsWith(prefix) && !name.slice(prefix.length).includes("/"))
      .map((name) => name.slice(prefix.length));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The Node runtime over an in-memory file system (stderr captured, no exit hooks kept). */
export function memoryRuntime(fs: FileSystem = new MemoryFileSystem()): Runtime & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    ...nodeRuntime,
    fs,
    warnings,
    writeStderr: (data: string | Uint8Array) => void warnings.push(String(data)),
    onExit: () => undefined,
  };
}
