/**
 * One reader for vault parameters, run by each vault's factory (so at registration): a schema
 * names every parameter with its type, default and environment fallbacks; unknown keys are refused
 * with the known ones listed, and keys that would hold a secret are refused with where the secret
 * goes instead. Messages never contain a parameter's value: a user may have put a secret in the
 * wrong place, and the error must not echo it.
 */
import { SecretManagementError } from "./errors.ts";
import { isSecretReference } from "./references.ts";
import type { JsonValue, VaultParameters } from "./types.ts";

export type ParameterSpec =
  | { type: "string"; default?: string; env?: readonly string[]; choices?: readonly string[] }
  | { type: "number"; default?: number; min?: number; max?: number; integer?: boolean }
  | { type: "boolean"; default?: boolean }
  /** A `secret://vault/name[#field]` reference: the only way a secret is named in parameters. */
  | { type: "reference" }
  /** One of a fixed set of JSON values (e.g. `1`, `2`, `"auto"`); compared after string/number folding. */
  | { type: "choice"; choices: readonly (string | number)[]; default?: string | number };

export type ParameterSchema = { readonly [key: string]: ParameterSpec };

type ValueOf<S extends ParameterSpec> = S extends { type: "number" } ? number
  : S extends { type: "boolean" } ? boolean
  : S extends { type: "choice"; choices: readonly (infer C)[] } ? C
  : string;

type HasDefault<S> = S extends { default: unknown } ? true : false;

export type ParameterValues<T extends ParameterSchema> = {
  -readonly [K in keyof T]: HasDefault<T[K]> extends true ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

export interface ReadParametersOptions {
  /** Keys someone might put a secret in, each with where the secret goes instead. */
  secretKeys?: { readonly [key: string]: string };
  /** Reads the environment for `env` fallbacks (the vault context's `runtime.env`). */
  env?: (name: string) => string | undefined;
}

function invalid(vault: string, message: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", message, { vault });
}

function readOne(vault: string, key: string, spec: ParameterSpec, raw: JsonValue | undefined, env?: (name: string) => string | undefined): unknown {
  if (spec.type === "string" && raw === undefined && spec.env && env) {
    for (const name of spec.env) {
      const fromEnv = env(name);
      if (fromEnv) return checkString(vault, key, spec, fromEnv);
    }
  }
  if (raw === undefined || raw === null) return "default" in spec ? spec.default : undefined;
  switch (spec.type) {
    case "string":
      if (typeof raw !== "string" || raw === "") throw invalid(vault, `parameter ${key} must be a non-empty string`);
      return checkString(vault, key, spec, raw);
    case "number": {
      const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(vault, `parameter ${key} must be a number`);
      if (spec.integer && !Number.isInteger(value)) throw invalid(vault, `parameter ${key} must be a whole number`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw invalid(vault, `parameter ${key} must be between ${spec.min ?? "-∞"} and ${spec.max ?? "∞"}`);
      }
      return value;
    }
    case "boolean":
      if (raw === true || raw === "true") return true;
      if (raw === false || raw === "false") return false;
      throw invalid(vault, `parameter ${key} must be true or false`);
    case "reference":
      if (typeof raw !== "string" || !isSecretReference(raw)) {
        throw invalid(
          vault,
          `parameter ${key} must be a secret://vault/name reference (a secret value never goes in parameters, which are stored in clear)`,
        );
      }
      return raw;
    case "choice": {
      const found = spec.choices.find((choice) => choice === raw || String(choice) === String(raw));
      if (found === undefined) throw invalid(vault, `parameter ${key} must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`);
      return found;
    }
  }
}

function checkString(vault: string, key: string, spec: { choices?: readonly string[] }, value: string): string {
  if (spec.choices && !spec.choices.includes(value)) {
    throw invalid(vault, `parameter ${key} must be one of ${spec.choices.join(", ")}`);
  }
  return value;
}

/** Reads `parameters` against `schema`; INVALID_ARGUMENT (naming the vault, never a value) otherwise. */
export function readParameters<T extends ParameterSchema>(
  vault: string,
  parameters: VaultParameters,
  schema: T,
  options: ReadParametersOptions = {},
): ParameterValues<T> {
  const known = Object.keys(schema);
  for (const key of Object.keys(parameters)) {
    if (Object.hasOwn(schema, key)) continue;
    const instead = options.secretKeys?.[key];
    if (instead !== undefined) {
      throw invalid(vault, `parameter ${key} is not allowed: secrets never go in parameters (they are stored in clear); use ${instead}`);
    }
    throw invalid(vault, `unknown parameter ${key} (known: ${known.length > 0 ? known.join(", ") : "none"})`);
  }
  const values: Record<string, unknown> = {};
  for (const key of known) values[key] = readOne(vault, key, schema[key]!, parameters[key], options.env);
  return values as ParameterValues<T>;
}
