/** Printing listings: aligned columns for people, JSON for programs. */
import type { Context } from "./context.ts";

export function printJson(context: Context, value: unknown): void {
  context.out(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(context: Context, headers: string[], rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  ").trimEnd();
  context.out([line(headers), ...rows.map(line)].join("\n") + "\n");
}

/** Progress on stderr, for bulk work on a terminal once it has run for more than a second. */
export function progress(context: Context, total: number): { tick(done: number): void; end(): void } {
  const started = Date.now();
  const terminal = (process.stderr as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  return {
    tick(done) {
      if (!terminal || Date.now() - started < 1000) return;
      shown = true;
      context.runtime.writeStderr(`\r${done}/${total}`);
    },
    end() {
      if (shown) context.runtime.writeStderr("\r\u001b[K");
    },
  };
}
