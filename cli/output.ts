/** Printing listings: aligned columns for people, JSON for programs. */
import type { Context } from "./context.ts";

/**
 * Whether a write failed because stdout's reader has gone (`secret get big | head -c 5`): EPIPE on
 * Node and Bun, Deno's BrokenPipe. Output nobody reads is dropped quietly, as other tools do.
 */
export function isBrokenPipe(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "EPIPE" || name === "BrokenPipe";
}

/** Node and Bun report a closed stdout as an 'error' event that, unheard, crashes with a stack trace. */
export function ignoreBrokenStdout(): void {
  process.stdout.on("error", (error) => {
    if (!isBrokenPipe(error)) throw error;
  });
}

export function printJson(context: Context, value: unknown): void {
  context.out(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(context: Context, headers: string[], rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  ").trimEnd();
  context.out([line(headers), ...rows.map(line)].join("\n") + "\n");
}

/**
 * Progress of bulk work on stderr — done/total and a rate — only when stderr is a terminal and the
 * output is not --json: piped or parsed output gets none. Redrawn at most ten times a second.
 */
export function progress(context: Context, total: number): { tick(done: number): void; end(): void } {
  const started = Date.now();
  const show = (process.stderr as { isTTY?: boolean }).isTTY === true && !context.has("json");
  let drawn = 0;
  let shown = false;
  return {
    tick(done) {
      const now = Date.now();
      if (!show || (done < total && now - drawn < 100)) return;
      drawn = now;
      shown = true;
      const rate = done / Math.max((now - started) / 1000, 0.001);
      context.runtime.writeStderr(`\r\u001b[K${done}/${total} (${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s)`);
    },
    end() {
      if (shown) context.runtime.writeStderr("\r\u001b[K");
    },
  };
}
