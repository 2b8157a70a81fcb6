/**
 * A file-system shim for fault injection: it passes every call (and every call on the handles that
 * `openAppend` returns) to a real `FileSystem` and counts them; at call number `failAt` it either
 * throws EIO (as the adapters report it: IO_ERROR naming the call) or runs `beforeCall` first (a test
 * fills the disk there, so the kernel itself fails that call and every later write with ENOSPC).
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { AppendHandle, FileSystem } from "../../core/runtime.ts";

export type Fault = { kind: "none" } | { kind: "eio"; failAt: number } | { kind: "before"; failAt: number; beforeCall: () => void };

export interface CountingFileSystem extends FileSystem {
  /** The calls made since `arm`, by name (`handle.append` for a handle's). */
  readonly calls: string[];
  /** Starts counting (from zero) and lets the fault happen: set-up calls before it pass untouched. */
  arm(): void;
}

export function failingFileSystem(inner: FileSystem, fault: Fault): CountingFileSystem {
  const calls: string[] = [];
  let armed = false;
  const step = (name: string) => {
    if (!armed) return;
    const index = calls.length;
    calls.push(name);
    if (fault.kind === "none" || index !== fault.failAt) return;
    if (fault.kind === "eio") throw new SecretManagementError("IO_ERROR", `EIO: injected input/output error in ${name}`);
    fault.beforeCall();
  };
  const wrapHandle = (handle: AppendHandle): AppendHandle => ({
    stat: () => (step("handle.stat"), handle.stat()),
    append: (data) => (step("handle.append"), handle.append(data)),
    truncate: (size) => (step("handle.truncate"), handle.truncate(size)),
    close: () => (step("handle.close"), handle.close()),
  });
  return {
    calls,
    arm: () => {
      calls.length = 0;
      armed = true;
    },
    readFile: (path) => (step("readFile"), inner.readFile(path)),
    readFileFrom: (path, offset, length) => (step("readFileFrom"), inner.readFileFrom(path, offset, length)),
    stat: (path) => (step("stat"), inner.stat(path)),
    writeFileAtomic: (path, data, mode) => (step("writeFileAtomic"), inner.writeFileAtomic(path, data, mode)),
    appendFile: (path, data, mode) => (step("appendFile"), inner.appendFile(path, data, mode)),
    openAppend: (path, createMode) => (step("openAppend"), wrapHandle(inner.openAppend(path, createMode))),
    createExclusive: (path, data, mode) => (step("createExclusive"), inner.createExclusive(path, data, mode)),
    truncate: (path, size) => (step("truncate"), inner.truncate(path, size)),
    rename: (from, to) => (step("rename"), inner.rename(from, to)),
    remove: (path) => (step("remove"), inner.remove(path)),
    mkdir: (path, mode) => (step("mkdir"), inner.mkdir(path, mode)),
    chmod: (path, mode) => (step("chmod"), inner.chmod(path, mode)),
    readDir: (path) => (step("readDir"), inner.readDir(path)),
  };
}
