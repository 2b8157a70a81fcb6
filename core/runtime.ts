/**
 * Everything a runtime provides reaches core through this interface; `adapters/` implement it. What
 * only the `secret` command needs (its own output, stdin, sockets, signals) is cli/host.ts `CliHost`.
 * File operations are synchronous on purpose: the store's hot paths (a freshness stat before each
 * read, an append + fsync per write) are a few microseconds synchronously and ten times that through
 * promises, and they touch small local files only.
 */

export interface FileInfo {
  size: number;
  /** Permission bits (`mode & 0o777`); 0 where the platform has none. */
  mode: number;
  /** Owner, where the platform has one. */
  uid: number | undefined;
  /** Identity of the file, to notice it was replaced by a rename; 0 where the platform has none. */
  ino: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

/**
 * Adapters turn failures into SecretManagementError: PERMISSION_DENIED for EACCES/EPERM,
 * IO_ERROR otherwise, each naming the path. A missing file is `undefined`, not an error.
 */
export interface FileSystem {
  readFile(path: string): Uint8Array | undefined;
  /** Bytes from `offset` to the end of the file (or `length` bytes); empty when past the end. */
  readFileFrom(path: string, offset: number, length?: number): Uint8Array;
  stat(path: string): FileInfo | undefined;
  /** Temp file in the same directory, write, fsync, rename over `path`, fsync the directory. */
  writeFileAtomic(path: string, data: Uint8Array, mode?: number): void;
  /** Appends with O_APPEND and fsyncs before returning; creates the file with `mode` if missing. */
  appendFile(path: string, data: Uint8Array, mode?: number): void;
  /**
   * Opens an existing file for appending (with `createMode`: creates a new one exclusively, failing
   * if it exists). Writes through the handle go to the file opened, even if another is renamed over
   * `path` meanwhile: a writer can open, check that it may still write, then write.
   */
  openAppend(path: string, createMode?: number): AppendHandle;
  /** Creates `path` with `data` only if it does not exist; false when it already exists. */
  createExclusive(path: string, data: Uint8Array, mode?: number): boolean;
  truncate(path: string, size: number): void;
  rename(from: string, to: string): void;
  /** Removes a file; no error when it is already gone. */
  remove(path: string): void;
  /** Creates the directory and its parents; the last one gets `mode`. */
  mkdir(path: string, mode?: number): void;
  chmod(path: string, mode: number): void;
  readDir(path: string): string[];
}

/** A file open for appending (`FileSystem.openAppend`). */
export interface AppendHandle {
  /** The open file's own stat (not whatever `path` names now). */
  stat(): FileInfo;
  /** Writes all of `data` at the end of the file, then fsyncs. */
  append(data: Uint8Array): void;
  /** Cuts the file to `size` bytes, then fsyncs. */
  truncate(size: number): void;
  close(): void;
}

export interface SpawnOptions {
  /**
   * Variables set for the child on top of this process's environment, which it inherits without
   * the credential variables (core/process.ts `childEnvironment`).
   */
  env?: Record<string, string>;
  cwd?: string;
  /** Bytes written to the child's stdin (then closed), or the parent's stdin. Default: none. */
  stdin?: Uint8Array | "inherit";
  stdout?: "pipe" | "inherit";
  stderr?: "pipe" | "inherit";
}

export interface ChildProcess {
  readonly pid: number | undefined;
  readonly stdout: ReadableStream<Uint8Array> | undefined;
  readonly stderr: ReadableStream<Uint8Array> | undefined;
  /** The exit code; 128 + signal number when killed by a signal. */
  readonly exited: Promise<number>;
  kill(signal?: string): void;
}

/** An AEAD with a 12-byte nonce and a 16-byte tag appended to the ciphertext (RFC 8439 ChaCha20-Poly1305). */
export interface Aead {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  /** The plaintext, or undefined when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined;
}

export type RuntimeName = "node" | "deno" | "bun" | "web";
export type Platform = "linux" | "darwin" | "windows" | "other";

export interface Runtime {
  readonly name: RuntimeName;
  readonly platform: Platform;
  /** Absent on edge runtimes, which have no file system. */
  readonly fs: FileSystem | undefined;
  readonly pid: number;
  /** Owner uid of this process where the platform has one. */
  readonly uid: number | undefined;
  env(name: string): string | undefined;
  envObject(): Record<string, string>;
  homeDir(): string | undefined;
  cwd(): string;
  hostname(): string;
  isProcessAlive(pid: number): boolean;
  stdinIsTerminal(): boolean;
  /** Reads a line from the terminal without echo; PASSWORD_REQUIRED when stdin is not a terminal. */
  promptSecret(message: string): Promise<string>;
  /** Warnings the library prints (a vault left out of a search, a repaired store log). */
  writeStderr(data: Uint8Array | string): void;
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /**
   * ChaCha20-Poly1305 from the platform where it is faster than JavaScript (Node, Deno); absent
   * elsewhere. The SecretStore builds XChaCha20-Poly1305 on it with the same output as @noble/ciphers.
   */
  readonly chacha20poly1305?: Aead;
  /**
   * RequestInit fields that make this runtime's fetch trust `pem`, a private CA's certificate: the
   * same object for the same certificate, so its connections are pooled once per process. Absent
   * where fetch has no such option (edge runtimes); undefined when this version offers no way.
   */
  trustCertificate?(pem: string): Promise<Record<string, unknown> | undefined>;
  /** Runs `callback` when the process is about to exit normally (used to zero key material). */
  onExit(callback: () => void): void;
}
