/** The `Deno.*` APIs the Deno adapter uses, typed here: the sources are also compiled without Deno's types. */

export interface DenoFile {
  readSync(buffer: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  seekSync(offset: number, whence: number): number;
  syncSync(): void;
  truncateSync(size?: number): void;
  statSync(): DenoStat;
  close(): void;
}

export interface DenoStat {
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

export interface DenoConn {
  write(data: Uint8Array): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  close(): void;
}

interface DenoApi {
  build: { os: string };
  pid: number;
  createHttpClient(options: { caCerts: string[] }): unknown;
  uid(): number | null;
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  cwd(): string;
  hostname(): string;
  args: string[];
  execPath(): string;
  exit(code: number): never;
  stdin: DenoReader;
  stdout: { isTerminal(): boolean; writeSync(data: Uint8Array): number };
  stderr: { isTerminal(): boolean; writeSync(data: Uint8Array): number };
  readFileSync(path: string): Uint8Array;
  openSync(path: string, options: Record<string, unknown>): DenoFile;
  statSync(path: string): DenoStat;
  renameSync(from: string, to: string): void;
  removeSync(path: string): void;
  mkdirSync(path: string, options: { recursive: boolean; mode: number }): void;
  chmodSync(path: string, mode: number): void;
  readDirSync(path: string): Iterable<{ name: string }>;
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  connect(options: { transport: "unix"; path: string }): Promise<DenoConn>;
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

export const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const encoder = new TextEncoder();

/** Writes all of `data` to a synchronous Deno stream (stdout, stderr). */
export function writeAllSync(stream: { writeSync(data: Uint8Array): number }, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  for (let written = 0; written < bytes.length;) written += stream.writeSync(bytes.subarray(written));
}
