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

/**
 * Progress of bulk work on stderr — done/total and a rate — only when stderr is a terminal and the
 * output is not --json: piped or parsed output gets none. Redrawn at most ten times a second.
 */
export function progress(context: Context, total: number): { tick(done: number): void; end(): void } {
  const started = Date.now();
  const show = context.host.stderrIsTerminal() && !context.has("json");
  let drawn = 0;
  let shown = false;
  return {
    tick(done) {
      const now = Date.now();
      if (!show || (done < total && now - drawn < 100)) return;
      drawn = now;
      shown = true;
      const rate = done / Math.max((now - started) / 1000, 0.001);
      context.host.writeStderr(`\r\u001b[K${done}/${total} (${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s)`);
    },
    end() {
      if (shown) context.host.writeStderr("\r\u001b[K");
    },
  };
}
