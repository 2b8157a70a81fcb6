/**
 * The password KDF: Argon2id (RFC 9106) with parameters stored in the store header. hash-wasm runs
 * it; where WebAssembly cannot be compiled (workerd) @noble/hashes computes the same bytes, slower.
 * Parameters are bounded both ways before any work: a tampered header can neither weaken the KDF
 * below the floor nor make the process allocate gigabytes.
 */
import { SecretManagementError } from "../errors.ts";

export interface KdfParams {
  /** Memory in KiB (Argon2 `m`). */
  memoryKiB: number;
  /** Passes over memory (Argon2 `t`). */
  iterations: number;
  /** Lanes (Argon2 `p`). */
  parallelism: number;
}

export const DEFAULT_KDF: Readonly<KdfParams> = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 };
/** The floor follows the OWASP minimum for Argon2id (19 MiB, t = 2). */
export const MIN_KDF: Readonly<KdfParams> = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };
export const MAX_KDF: Readonly<KdfParams> = { memoryKiB: 1024 * 1024, iterations: 10, parallelism: 4 };

export const KEY_LENGTH = 32;
export const SALT_LENGTH = 16;

/** Why the parameters are out of bounds, or undefined when they are within. */
export function kdfParamsProblem(params: KdfParams): string | undefined {
  for (const field of ["memoryKiB", "iterations", "parallelism"] as const) {
    const value = params[field];
    if (!Number.isInteger(value) || value < MIN_KDF[field] || value > MAX_KDF[field]) {
      return `KDF ${field} must be an integer from ${MIN_KDF[field]} to ${MAX_KDF[field]}`;
    }
  }
  if (params.memoryKiB < 8 * params.parallelism) return "KDF memory must be at least 8 KiB per lane";
  return undefined;
}

export function checkKdfParams(params: KdfParams, code: "INVALID_ARGUMENT" | "STORE_CORRUPT"): void {
  const problem = kdfParamsProblem(params);
  if (problem !== undefined) throw new SecretManagementError(code, problem);
}

/** The password as bytes: UTF-8 of its NFC form, so the same password typed on any system matches. */
export function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize("NFC"));
}

/** Argon2id through hash-wasm (WebAssembly). Unbounded: callers check the parameters first. */
export async function argon2idWasm(password: Uint8Array, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  const { argon2id } = await import("hash-wasm");
  return await argon2id({
    password,
    salt,
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: KEY_LENGTH,
    outputType: "binary",
  });
}

/** Argon2id through @noble/hashes (pure JavaScript). Unbounded: callers check the parameters first. */
export async function argon2idNoble(password: Uint8Array, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  const { argon2id } = await import("@noble/hashes/argon2.js");
  return argon2id(password, salt, {
    m: params.memoryKiB,
    t: params.iterations,
    p: params.parallelism,
    dkLen: KEY_LENGTH,
  });
}

let wasmUnavailable = false;

/** Derives the 256-bit key-encryption key from a password; refuses out-of-bounds parameters. */
export async function derivePasswordKey(password: string, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  checkKdfParams(params, "STORE_CORRUPT");
  const input = passwordBytes(password);
  try {
    if (!wasmUnavailable) {
      try {
        return await argon2idWasm(input, salt, params);
      } catch (error) {
        if (!isWasmCompileFailure(error)) throw error;
        wasmUnavailable = true;
      }
    }
    return await argon2idNoble(input, salt, params);
  } finally {
    input.fill(0);
  }
}

function isWasmCompileFailure(error: unknown): boolean {
  if (typeof WebAssembly === "undefined") return true;
  return error instanceof WebAssembly.CompileError || error instanceof WebAssembly.LinkError ||
    /WebAssembly|wasm/i.test(String((error as Error)?.message ?? error));
}
