/**
 * The vault registry, `vaults.json` in the home directory. Every change is read-modify-write under a
 * cross-process lock and lands by an atomic rename, so concurrent registrations all survive and a
 * crash leaves the old or the new file, never half of one. An unreadable file is an error that names
 * it; it is never replaced. The home and the file must be the user's alone (core/permissions.ts).
 */
import { SecretManagementError } from "./errors.ts";
import { withLock } from "./lock.ts";
import { joinPath } from "./paths.ts";
import { checkPrivate } from "./permissions.ts";
import { emptyRegistry, type Registry, type RegistryData } from "./registry.ts";
import type { Runtime } from "./runtime.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class VaultRegistry implements Registry {
  readonly path: string;
  readonly #runtime: Runtime;
  readonly #home: string;

  constructor(runtime: Runtime, home: string) {
    this.#runtime = runtime;
    this.#home = home;
    this.path = joinPath(runtime, home, "vaults.json");
  }

  read(): RegistryData {
    // vaults.json names the modules this process imports: someone else able to change it could run code as us.
    checkPrivate(this.#runtime, this.#home, "the SecretManagement home");
    checkPrivate(this.#runtime, this.path, "the vault registry");
    const bytes = this.#runtime.fs!.readFile(this.path);
    if (bytes === undefined) return emptyRegistry();
    return parseRegistry(this.path, bytes);
  }

  /** Applies `change` to the current registry and saves it, atomically with respect to other processes. */
  async update<T>(change: (data: RegistryData) => T): Promise<T> {
    const fs = this.#runtime.fs!;
    fs.mkdir(this.#home, 0o700);
    return await withLock(this.#runtime, `${this.path}.lock`, () => {
      const data = this.read();
      const result = change(data);
      fs.writeFileAtomic(this.path, encoder.encode(`${JSON.stringify(data, null, 2)}\n`), 0o600);
      return result;
    });
  }
}

function parseRegistry(path: string, bytes: Uint8Array): RegistryData {
  const invalid = (why: string) =>
    new SecretManagementError(
      "STORE_CORRUPT",
      `the vault registry ${path} is unreadable (${why}); fix or move it away, it was left untouched`,
    );
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(bytes));
  } catch {
    throw invalid("not valid JSON");
  }
  if (typeof data !== "object" || data === null) throw invalid("not an object");
  const { version, defaultVault, vaults } = data as Partial<RegistryData>;
  if (version !== 1) throw invalid(`unknown version ${JSON.stringify(version)}`);
  if (defaultVault !== null && typeof defaultVault !== "string") throw invalid("defaultVault is not a string");
  if (typeof vaults !== "object" || vaults === null || Array.isArray(vaults)) throw invalid("vaults is not an object");
  for (const [name, entry] of Object.entries(vaults)) {
    if (typeof entry !== "object" || entry === null || typeof entry.module !== "string") {
      throw invalid(`vault "${name}" has no module`);
    }
    entry.parameters ??= {};
    entry.description ??= "";
  }
  return { version, defaultVault, vaults };
}
