/**
 * cli/host.ts `selfCommand`: `execPath` with `runtimeArgs` and the path of `mainUrl`, or, for a
 * standalone executable (`bun build --compile`, whose modules live in `/$bunfs/`), `execPath` alone.
 */
export async function selfCommand(execPath: string, runtimeArgs: string[], mainUrl: string): Promise<string[]> {
  if (/\/\$bunfs\/|~BUN/.test(mainUrl)) return [execPath];
  const { fileURLToPath } = await import("node:url");
  return [execPath, ...runtimeArgs, fileURLToPath(mainUrl)];
}
