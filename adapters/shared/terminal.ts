/**
 * Prompting on the terminal, shared by the adapters: a no-echo line reader over raw terminal bytes,
 * and the prompt and yes/no question over it. Each adapter supplies its `RawTerminal`.
 */
import { SecretManagementError } from "../../core/errors.ts";

export type ChunkReader = () => Promise<Uint8Array | null>;

export class PromptCancelled extends SecretManagementError {
  constructor() {
    super("PASSWORD_REQUIRED", "prompt cancelled");
  }
}

const ESC = 0x1b;
/** After ESC: not in a sequence, just after ESC, or inside `ESC [` / `ESC O` until its final byte. */
type EscapeState = "none" | "escape" | "sequence";

/**
 * Reads until Enter; Backspace edits, Ctrl-C and Ctrl-D (on an empty line) cancel. Never echoes.
 * What is kept: printable ASCII (0x20-0x7E) and every byte of a multi-byte UTF-8 character (0x80 and
 * above). Other control bytes are dropped, and so is a whole escape sequence (arrow keys, Home, F-keys:
 * `ESC [ … final` or `ESC O final`), which would otherwise leave `[A` in the password unseen.
 */
export async function readHiddenLine(read: ChunkReader): Promise<string> {
  const bytes: number[] = [];
  let escape: EscapeState = "none";
  for (;;) {
    const chunk = await read();
    if (chunk === null) throw new PromptCancelled();
    for (const byte of chunk) {
      if (escape === "sequence") {
        if (byte >= 0x40 && byte <= 0x7e) escape = "none";
        continue;
      }
      if (escape === "escape") {
        escape = byte === 0x5b || byte === 0x4f ? "sequence" : "none";
        if (escape === "sequence") continue;
      }
      if (byte === ESC) {
        escape = "escape";
        continue;
      }
      if (byte === 0x0d || byte === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes));
      if (byte === 0x03) throw new PromptCancelled();
      if (byte === 0x04 && bytes.length === 0) throw new PromptCancelled();
      if (byte === 0x7f || byte === 0x08) {
        // Drop one whole UTF-8 character: continuation bytes first, then its lead byte.
        while (bytes.length > 0 && (bytes[bytes.length - 1]! & 0xc0) === 0x80) bytes.pop();
        bytes.pop();
        continue;
      }
      if (byte === 0x15) {
        bytes.length = 0; // Ctrl-U clears the line
        continue;
      }
      const printable = (byte >= 0x20 && byte < 0x7f) || byte >= 0x80;
      if (printable) bytes.push(byte);
    }
  }
}

function notATerminal(): SecretManagementError {
  return new SecretManagementError(
    "PASSWORD_REQUIRED",
    "a password is required and stdin is not a terminal: use --password-stdin or SECRETSTORE_PASSWORD",
  );
}

function isYes(answer: string): boolean {
  return /^y(es)?$/i.test(answer.trim());
}

/** What each runtime supplies for prompting: stdin's terminal state, stderr, and raw-mode reads of stdin. */
export interface RawTerminal {
  stdinIsTerminal(): boolean;
  writeStderr(text: string): void;
  /** Runs `work` with stdin in raw mode, reading chunks; the terminal is restored however it ends. */
  withRawStdin<T>(work: (read: ChunkReader) => Promise<T>): Promise<T>;
}

/** `Runtime.promptSecret`: the message on stderr, then a line read without echo. */
export async function promptSecret(terminal: RawTerminal, message: string): Promise<string> {
  if (!terminal.stdinIsTerminal()) throw notATerminal();
  terminal.writeStderr(message);
  try {
    return await terminal.withRawStdin(readHiddenLine);
  } finally {
    terminal.writeStderr("\n");
  }
}

/** `CliHost.confirm`: a yes/no question, no unless answered y or yes. */
export async function confirm(terminal: RawTerminal, message: string): Promise<boolean> {
  return isYes(await promptSecret(terminal, `${message} [y/N] `));
}
