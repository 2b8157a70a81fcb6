/**
 * The few assertions the conformance suite needs, with no test framework behind them, so the same
 * suite runs under vitest, `bun test` and `deno test`. Failures name what differed, never a value:
 * a vault's test may run against real secrets.
 */
import { isSecretManagementError } from "../core/errors.ts";

export class ContractFailure extends Error {
  override name = "ContractFailure";
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length &&
    keysA.every((key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (!same(actual, expected)) throw new ContractFailure(`${what}: not what was expected`);
}

export function assert(condition: boolean, what: string): void {
  if (!condition) throw new ContractFailure(what);
}

/** Awaits `promise` and checks it failed with a SecretManagementError of `code`. */
export async function assertRejectsWithCode(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  if (outcome === undefined) throw new ContractFailure(`${what}: succeeded, expected ${code}`);
  if (!isSecretManagementError(outcome) || outcome.code !== code) {
    const got = isSecretManagementError(outcome) ? outcome.code : String((outcome as Error)?.name ?? outcome);
    throw new ContractFailure(`${what}: failed with ${got}, expected ${code}`, { cause: outcome });
  }
}
