/**
 * The vault registry's data and the contract of where it lives. `vaults.json` on disk is
 * registry-file.ts (Node, Deno, Bun); at the edge, with no file system, the registry lives in memory
 * (MemoryRegistry), which keeps the lock and file code out of worker bundles.
 */
import { nameKey, type VaultParameters } from "./types.ts";

export interface VaultRegistration {
  module: string;
  parameters: VaultParameters;
  description: string;
  /** The package's version when it was registered (for extensions installed as packages). */
  version?: string;
}

export interface RegistryData {
  version: 1;
  defaultVault: string | null;
  vaults: { [name: string]: VaultRegistration };
}

export interface Registry {
  /** Where it is kept, named in errors. */
  readonly path: string;
  read(): RegistryData;
  /** Applies `change` to the current registry and saves it, atomically with respect to other processes. */
  update<T>(change: (data: RegistryData) => T): Promise<T>;
}

export function emptyRegistry(): RegistryData {
  return { version: 1, defaultVault: null, vaults: {} };
}

/** A registry for the life of the process (edge runtimes). */
export class MemoryRegistry implements Registry {
  readonly path = "(in memory)";
  #data = emptyRegistry();

  read(): RegistryData {
    return structuredClone(this.#data);
  }

  async update<T>(change: (data: RegistryData) => T): Promise<T> {
    const data = structuredClone(this.#data);
    const result = change(data);
    this.#data = data;
    return result;
  }
}

/** The registered spelling of a vault name, found case-insensitively. */
export function findVaultName(data: RegistryData, name: string): string | undefined {
  const key = nameKey(name);
  return Object.keys(data.vaults).find((registered) => nameKey(registered) === key);
}
