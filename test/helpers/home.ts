/** Temporary home directories for tests, removed after the run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempHome(label = "home"): string {
  const dir = mkdtempSync(join(tmpdir(), `sm-${label}-`));
  made.push(dir);
  return dir;
}
