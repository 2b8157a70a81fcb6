/**
 * Shared settings of the fuzz properties (test/fuzz-*.test.ts): how many runs each property makes
 * (10 000 in `npm test`; `npm run fuzz` sets FUZZ_RUNS=1000000; Stryker sets fewer), and the check
 * that a parser failed the one allowed way.
 */
import { SecretManagementError } from "../../core/errors.ts";

/** Runs per property: FUZZ_RUNS, else 10 000; `divisor` thins out properties whose every run is costly. */
export function fuzzRuns(divisor = 1): number {
  const configured = Number(process.env.FUZZ_RUNS);
  const runs = Number.isInteger(configured) && configured > 0 ? configured : 10_000;
  return Math.max(1, Math.floor(runs / divisor));
}

/** A test's time limit that grows with the number of runs (a million runs take minutes, not a second). */
export function fuzzTimeout(perRunMs: number, divisor = 1): number {
  return Math.max(60_000, fuzzRuns(divisor) * perRunMs);
}

/**
 * Calls `parse`; a throw must be a SecretManagementError (anything else, a TypeError or a RangeError
 * from deep inside, is a bug: callers switch on codes). Returns what `parse` returned, or the error.
 */
export function parsesOrRefuses<T>(parse: () => T): { value: T } | { error: SecretManagementError } {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof SecretManagementError) return { error };
    throw error;
  }
}

export async function parsesOrRefusesAsync<T>(parse: () => Promise<T>): Promise<{ value: T } | { error: SecretManagementError }> {
  try {
    return { value: await parse() };
  } catch (error) {
    if (error instanceof SecretManagementError) return { error };
    throw error;
  }
}
