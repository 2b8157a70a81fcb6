/**
 * Whether a write failed because stdout's reader has gone (`secret get big | head -c 5`): EPIPE on
 * Node and Bun, Deno's BrokenPipe. Output nobody reads is dropped quietly, as other tools do.
 */
export function isBrokenPipe(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "EPIPE" || name === "BrokenPipe";
}

/** Runs a synchronous write, dropping it quietly when its reader has gone. */
export function unlessBrokenPipe(write: () => void): void {
  try {
    write();
  } catch (error) {
    if (!isBrokenPipe(error)) throw error;
  }
}
