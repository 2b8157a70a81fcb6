/**
 * SecretManagement: the vault-agnostic API. It keeps no state of its own beyond a cache of loaded
 * extensions; the registry file is re-read on every call so other processes' changes are seen.
 */
import { SecretManagementError, secretNotFound as notFoundInCatalogue } from "./errors.ts";
import {
  factoryFromModule,
  type PasswordSource,
  type VaultContext,
  type VaultExtension,
  type VaultFactory,
  validateExtension,
} from "./extension.ts";
import { givenPasswords } from "./passwords.ts";
import { parseSecretReference, selectField } from "./references.ts";
import { findVaultName, MemoryRegistry, type Registry, type RegistryData, type VaultRegistration } from "./registry.ts";
import type { Runtime } from "./runtime.ts";
import {
  copyMetadata,
  copySecretValue,
  type JsonValue,
  type Metadata,
  nameKey,
  type SecretInfo,
  type SecretType,
  type SecretValue,
  validateMetadata,
  validateSecretName,
  validateSecretValue,
  validateVaultName,
  type VaultInfo,
  type VaultParameters,
} from "./types.ts";
import { compileWildcard, hasWildcard } from "./wildcard.ts";

/** Loaders for the extensions shipped with the package, by built-in name. */
export type BuiltinVaults = { readonly [name: string]: () => Promise<unknown> };

/** An extension given to registerVault as code: its factory, or the module whose default export it is. */
export type VaultModule = VaultFactory | { default: VaultFactory };

/**
 * How Node, Deno and Bun load extensions named by package or path (adapters/modules.ts); edge runtimes
 * have none, and their bundles import vaults as code. Paths and packages are its business, not the core's.
 */
export interface ModuleLoader {
  /**
   * What a registration records for `module` (not a built-in): a path becomes an absolute file: URL;
   * a package must be installed and be a vault extension, checked without running its code, and its
   * version is returned. INVALID_EXTENSION otherwise, naming the fix (`builtins` are listed for typos).
   */
  resolve(module: string, builtins: readonly string[]): { module: string; version?: string };
  /** Imports a registered module; INVALID_EXTENSION for one that must not be loaded (a relative path). */
  import(module: string, vault: string): Promise<unknown>;
}

export interface OpenOptions {
  /**
   * Names the vaults' home: mod.ts and the CLI pass `$SECRETMANAGEMENT_HOME` or the platform config
   * dir + `/secretmanagement` (core/paths.ts resolveHome). Default "/" (edge: nothing on disk).
   */
  home?: string;
  runtime: Runtime;
  builtins?: BuiltinVaults;
  /**
   * Where registrations are kept: `vaults.json` in the home on Node, Deno and Bun
   * (core/registry-file.ts, passed by mod.ts and the CLI); in memory when not given (edge runtimes).
   */
  createRegistry?: (runtime: Runtime, home: string) => Registry;
  /** Built-in names that do not run on this runtime, each with what to do instead (edge runtimes). */
  unavailableBuiltins?: { readonly [name: string]: string };
  /** Loads extensions named by package or path; without it only built-ins and module objects register. */
  modules?: ModuleLoader;
  /** Called when a vault fails during a search that goes on without it. Default: a warning on stderr. */
  onVaultError?: (error: SecretManagementError) => void;
  /**
   * Opt-in read cache: getSecret answers a read repeated within `ttlSeconds` from this instance's
   * memory, without asking the vault. Any write through this instance empties it. Off by default.
   */
  cache?: { ttlSeconds: number };
  /**
   * Passwords by vault name, for vaults that need one (a SecretStore): used to unlock it, and to
   * create the default `local` store on first use. Without one, a vault asks on a terminal. Or a
   * PasswordSource of the application's own (the CLI's: its unlock agent, --password-stdin, a prompt).
   */
  passwords?: { readonly [vault: string]: string } | PasswordSource;
  /**
   * What to tell the user when a vault needs a password and there is no terminal to ask on, with
   * passwords by vault name. The default names the library's remedies.
   */
  passwordRemedy?: string;
}

function isPasswordSource(passwords: NonNullable<OpenOptions["passwords"]>): passwords is PasswordSource {
  return typeof passwords.given === "function";
}

/** The library's ways to give a password where no terminal can ask for one. */
const LIBRARY_PASSWORD_REMEDY =
  'pass it with SecretManagement.open({ passwords: { <vault>: "..." } }) or sm.unlockVault("<vault>", password), or set SECRETSTORE_PASSWORD';

export interface RegisterVaultOptions {
  parameters?: VaultParameters;
  description?: string;
  default?: boolean;
  allowClobber?: boolean;
  /**
   * Refuse (UNSUPPORTED) an extension whose vaults do not outlive the process, such as `memory`.
   * The CLI sets it: each of its commands is a process of its own, so such a vault would lose every secret.
   */
  requirePersistent?: boolean;
}

export interface SetSecretOptions {
  vault?: string;
  metadata?: Metadata;
  noClobber?: boolean;
}

export interface VaultOption {
  vault?: string;
}

/** The built-in vault that first use registers when no vault exists yet. */
export const LOCAL_VAULT = { name: "local", module: "secretstore" } as const;

interface LoadedVault {
  name: string;
  registration: VaultRegistration;
  extension: VaultExtension;
}

export class SecretManagement {
  readonly home: string;
  readonly runtime: Runtime;
  readonly registry: Registry;
  readonly #builtins: BuiltinVaults;
  readonly #unavailable: { readonly [name: string]: string };
  readonly #modules: ModuleLoader | undefined;
  /** Extensions registered as code (module objects), by vault name key: they live in this instance. */
  readonly #factories = new Map<string, VaultFactory>();
  readonly #onVaultError: (error: SecretManagementError) => void;
  /** Where vaults' passwords come from (OpenOptions.passwords). */
  readonly #passwords: PasswordSource;
  readonly #extensions = new Map<string, { signature: string; extension: Promise<VaultExtension> }>();
  readonly #resolving = new Set<string>();
  /** Registrations of vaults that do not outlive the process: this instance's alone, never in vaults.json. */
  readonly #session: RegistryData = { version: 1, defaultVault: null, vaults: {} };
  /** The read cache (OpenOptions.cache): values by vault (empty: a search) and name, with their expiry. */
  readonly #cacheTtlMs: number;
  readonly #cachedReads = new Map<string, { value: SecretValue; expiresAt: number }>();

  protected constructor(options: OpenOptions) {
    this.runtime = options.runtime;
    this.home = options.home ?? "/";
    this.registry = options.createRegistry?.(options.runtime, this.home) ?? new MemoryRegistry();
    this.#builtins = options.builtins ?? {};
    this.#unavailable = options.unavailableBuiltins ?? {};
    this.#modules = options.modules;
    this.#onVaultError = options.onVaultError ??
      ((error) => options.runtime.writeStderr(`warning: ${error.message}\n`));
    const ttlSeconds = options.cache?.ttlSeconds ?? 0;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
      throw new SecretManagementError("INVALID_ARGUMENT", "cache.ttlSeconds must be a number of seconds, 0 or more");
    }
    this.#cacheTtlMs = ttlSeconds * 1000;
    const passwords = options.passwords ?? {};
    this.#passwords = isPasswordSource(passwords)
      ? passwords
      : givenPasswords(options.runtime, passwords, options.passwordRemedy ?? LIBRARY_PASSWORD_REMEDY);
  }

  static async open(options: OpenOptions): Promise<SecretManagement> {
    const manager = new this(options);
    manager.registry.read(); // an unreadable registry is reported now, not at first use
    return manager;
  }

  // ---- vaults ----

  /**
   * Registers a vault. `module` is a built-in name, a package specifier, a file path or URL — or the
   * extension itself (the default export of `secretmanagement/vaults/<name>`), which is how edge
   * bundles use vaults; a vault registered as code lives in this instance only.
   */
  async registerVault(name: string, module: string | VaultModule, options: RegisterVaultOptions = {}): Promise<VaultInfo> {
    validateVaultName(name);
    this.#cachedReads.clear();
    const factory = factoryOf(module);
    if (factory === undefined && (typeof module !== "string" || module === "")) {
      throw new SecretManagementError(
        "INVALID_ARGUMENT",
        "the extension module must be a name, a path, or a vault module (a defineVault factory or a module whose default export is one)",
      );
    }
    const resolved = typeof module !== "string"
      ? { module: "(module object)" }
      : this.#builtinName(module) !== undefined || !this.#modules
      ? { module }
      : this.#modules.resolve(module, Object.keys(this.#builtins).sort());
    const registration: VaultRegistration = {
      module: resolved.module,
      parameters: validateParameters(options.parameters ?? {}),
      description: options.description ?? "",
      ...(resolved.version === undefined ? {} : { version: resolved.version }),
    };
    // Proves it loads and has the contract's shape.
    const extension = await this.#call(name, () => this.#createExtension(name, registration, factory));
    this.#extensions.delete(nameKey(name));
    if (factory !== undefined) {
      const info = await this.#registerForSession(name, registration, options);
      this.#factories.set(nameKey(name), factory);
      return info;
    }
    if (extension.capabilities.persistent === false) {
      if (options.requirePersistent) {
        throw new SecretManagementError(
          "UNSUPPORTED",
          `extension "${module}" keeps its secrets only in the memory of one process, and every command is a new process: register a vault that stores them (such as secretstore)`,
        );
      }
      return await this.#registerForSession(name, registration, options);
    }
    const data = await this.registry.update((data) => {
      const merged = this.#withSession(data);
      const existing = findVaultName(merged, name);
      // A vault that replaces the default (in the file or in this instance) becomes the default.
      const becomesDefault = options.default || (existing !== undefined && merged.defaultVault === existing);
      if (existing !== undefined) {
        if (!options.allowClobber) throw vaultExists(existing);
        delete data.vaults[existing];
        this.#forgetSessionVault(existing);
      }
      data.vaults[name] = registration;
      if (becomesDefault) this.#session.defaultVault = null;
      if (becomesDefault || data.defaultVault === null || data.defaultVault === existing) data.defaultVault = name;
      return data;
    });
    return toVaultInfo(this.#withSession(data), name);
  }

  /** Registers a vault that cannot outlive the process in this instance only (see `#session`). */
  async #registerForSession(name: string, registration: VaultRegistration, options: RegisterVaultOptions): Promise<VaultInfo> {
    const current = this.#readRegistry();
    const existing = findVaultName(current, name);
    if (existing !== undefined) {
      if (!options.allowClobber) throw vaultExists(existing);
      if (!this.#forgetSessionVault(existing)) {
        await this.registry.update((data) => {
          delete data.vaults[existing];
          if (data.defaultVault === existing) data.defaultVault = null;
        });
      }
    }
    this.#session.vaults[name] = registration;
    if (options.default || current.defaultVault === null || current.defaultVault === existing) {
      this.#session.defaultVault = name;
    }
    return toVaultInfo(this.#readRegistry(), name);
  }

  /** Drops a session registration; false when `name` is not one. */
  #forgetSessionVault(name: string): boolean {
    if (!(name in this.#session.vaults)) return false;
    delete this.#session.vaults[name];
    this.#factories.delete(nameKey(name));
    if (this.#session.defaultVault === name) this.#session.defaultVault = null;
    return true;
  }

  async unregisterVault(name: string): Promise<void> {
    this.#cachedReads.clear();
    const vault = this.#requireVault(this.#readRegistry(), name);
    let extension: VaultExtension | undefined;
    try {
      extension = await this.#extension(vault.name, vault.registration);
    } catch {
      // A vault whose module no longer loads must still be removable.
    }
    if (extension?.unregister) await this.#call(vault.name, () => extension.unregister!());
    this.#extensions.delete(nameKey(vault.name));
    if (this.#forgetSessionVault(vault.name)) return;
    await this.registry.update((data) => {
      const registered = findVaultName(data, name);
      if (registered === undefined) return;
      delete data.vaults[registered];
      if (data.defaultVault === registered) data.defaultVault = null;
    });
  }

  async getVaults(pattern = "*"): Promise<VaultInfo[]> {
    const data = this.#readRegistry();
    const matches = compileWildcard(pattern);
    return sortedNames(data).filter(matches).map((name) => toVaultInfo(data, name));
  }

  async setDefaultVault(name: string | null): Promise<void> {
    this.#cachedReads.clear();
    const sessionVault = name === null ? undefined : findVaultName(this.#session, name);
    if (sessionVault !== undefined) {
      this.#session.defaultVault = sessionVault;
      return;
    }
    await this.registry.update((data) => {
      if (name === null) {
        data.defaultVault = null;
        return;
      }
      const registered = findVaultName(data, name);
      if (registered === undefined) throw vaultNotFound(name);
      data.defaultVault = registered;
    });
    this.#session.defaultVault = null;
  }

  /** True when every vault matching `pattern` answers its test; a failing test is reported. */
  async testVault(pattern = "*"): Promise<boolean> {
    const vaults = this.#matchingVaults(pattern);
    let ok = true;
    for (const vault of vaults) {
      try {
        if (!(await this.#call(vault.name, async () => (await this.#extension(vault.name, vault.registration)).test()))) {
          ok = false;
        }
      } catch (error) {
        this.#onVaultError(error as SecretManagementError);
        ok = false;
      }
    }
    return ok && vaults.length > 0;
  }

  /** Unlocks a vault; `local` on a home with no vault yet is created first, as the first setSecret would. */
  async unlockVault(name: string, password: string): Promise<void> {
    const unlock = async () => {
      const vault = await this.#loadVault(name);
      if (!vault.extension.unlock) {
        throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" cannot be unlocked with a password`, {
          vault: vault.name,
        });
      }
      await this.#call(vault.name, () => vault.extension.unlock!(password));
    };
    if (nameKey(name) === LOCAL_VAULT.name && this.#isFirstUse()) return await this.registerLocalVault(unlock);
    await unlock();
  }

  /**
   * Registers `local`, the built-in SecretStore (the default unless another vault is), and runs
   * its first use; if that fails, the registration goes again, so a failed first use (no password,
   * say) leaves the home as it found it. The one place a first-use store is registered: the first
   * setSecret or unlockVault("local") on a home without vaults, and the CLI's first use with a store
   * configuration (`secret set --no-password`, `secret store config`), whose `firstUse` creates it.
   */
  async registerLocalVault<T>(firstUse: () => Promise<T>): Promise<T> {
    const data = this.#readRegistry();
    const hasDefault = data.defaultVault !== null && findVaultName(data, data.defaultVault) !== undefined;
    await this.registerVault(LOCAL_VAULT.name, LOCAL_VAULT.module, {
      description: "local encrypted SecretStore",
      default: !hasDefault,
    });
    try {
      return await firstUse();
    } catch (error) {
      this.#extensions.delete(nameKey(LOCAL_VAULT.name));
      await this.registry.update((data) => {
        const registered = findVaultName(data, LOCAL_VAULT.name);
        if (registered === undefined) return;
        delete data.vaults[registered];
        if (data.defaultVault === registered) data.defaultVault = null;
      });
      throw error;
    }
  }

  // ---- secrets ----

  async setSecret(name: string, value: SecretValue, options: SetSecretOptions = {}): Promise<void> {
    validateSecretName(name);
    this.#cachedReads.clear();
    const type = validateSecretValue(value);
    const metadata = options.metadata === undefined ? undefined : validateMetadata(options.metadata);
    const write = async () => {
      const vault = options.vault === undefined ? await this.#defaultVaultForWrite() : await this.#loadVault(options.vault);
      await this.#write(vault, name, value, type, metadata, options.noClobber ?? false);
    };
    if (options.vault === undefined && this.#isFirstUse()) return await this.registerLocalVault(write);
    await write();
  }

  async #write(
    vault: LoadedVault,
    name: string,
    value: SecretValue,
    type: SecretType,
    metadata: Metadata | undefined,
    noClobber: boolean,
  ): Promise<void> {
    const { capabilities } = vault.extension;
    if (capabilities.readOnly) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" is read-only`, { vault: vault.name });
    }
    if (!capabilities.types.includes(type)) {
      throw new SecretManagementError(
        "UNSUPPORTED",
        `vault "${vault.name}" cannot hold ${type} secrets (it holds ${capabilities.types.join(", ")})`,
        { vault: vault.name },
      );
    }
    if (metadata !== undefined && Object.keys(metadata).length > 0 && !capabilities.metadata) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" cannot store metadata`, {
        vault: vault.name,
      });
    }
    await this.#call(
      vault.name,
      () =>
        vault.extension.setSecret(
          name,
          copySecretValue(value),
          metadata && copyMetadata(metadata),
          { noClobber },
        ),
    );
  }

  async getSecret(name: string, options: VaultOption = {}): Promise<SecretValue> {
    validateSecretName(name);
    if (this.#cacheTtlMs === 0) return await this.#readSecret(name, options);
    const key = `${options.vault === undefined ? "" : nameKey(options.vault)}\u0000${name}`;
    const cached = this.#cachedReads.get(key);
    if (cached !== undefined && Date.now() < cached.expiresAt) return copySecretValue(cached.value);
    const value = await this.#readSecret(name, options);
    this.#cachedReads.set(key, { value: copySecretValue(value), expiresAt: Date.now() + this.#cacheTtlMs });
    return value;
  }

  async #readSecret(name: string, options: VaultOption): Promise<SecretValue> {
    if (options.vault !== undefined) {
      const vault = await this.#loadVault(options.vault);
      const value = await this.#call(vault.name, () => vault.extension.getSecret(name));
      if (value === undefined) throw secretNotFound(name, vault.name);
      return value;
    }
    return (await this.#search(name)).value;
  }

  /**
   * The first vault in search order that holds `name`. Vaults that failed before it are reported
   * and skipped; when none holds it and one failed, that failure is the answer: a locked store or a
   * server that is down is not evidence that the secret does not exist.
   */
  async #search(name: string): Promise<LoadedVault & { value: SecretValue }> {
    const failures: SecretManagementError[] = [];
    for (const vault of this.#searchOrder()) {
      try {
        const extension = await this.#call(vault.name, () => this.#extension(vault.name, vault.registration));
        const value = await this.#call(vault.name, () => extension.getSecret(name));
        if (value === undefined) continue;
        for (const failure of failures) this.#onVaultError(failure);
        return { ...vault, extension, value };
      } catch (error) {
        failures.push(error as SecretManagementError);
      }
    }
    const [first, ...others] = failures;
    if (first === undefined) throw secretNotFound(name);
    if (others.length === 0) throw first;
    throw new SecretManagementError(
      first.code,
      `${first.message} (other vaults failed too: ${others.map((failure) => failure.vault).join(", ")})`,
      { vault: first.vault, cause: new AggregateError(failures, "vaults that failed") },
    );
  }

  async getSecretInfo(filter = "*", options: VaultOption = {}): Promise<SecretInfo[]> {
    if (typeof filter !== "string") throw new SecretManagementError("INVALID_ARGUMENT", "filter must be a string");
    const vaults = options.vault !== undefined ? [await this.#loadVault(options.vault)] : undefined;
    const infos: SecretInfo[] = [];
    for (const vault of vaults ?? this.#searchOrder()) {
      try {
        const found = await this.#call(vault.name, async () =>
          (await this.#extension(vault.name, vault.registration)).getSecretInfo(filter)
        );
        const sorted = found.slice().sort((a, b) => compareNames(a.name, b.name));
        for (const info of sorted) infos.push({ name: info.name, type: info.type, vault: vault.name, metadata: info.metadata ?? {} });
      } catch (error) {
        if (vaults) throw error;
        this.#onVaultError(error as SecretManagementError);
      }
    }
    return infos;
  }

  /** Replaces the metadata of a secret (`{}` clears it); without a vault, the first vault that has it. */
  async setSecretInfo(name: string, metadata: Metadata, options: VaultOption = {}): Promise<void> {
    validateSecretName(name);
    validateMetadata(metadata);
    const vault = options.vault !== undefined ? await this.#loadVault(options.vault) : await this.#search(name);
    if (!vault.extension.capabilities.metadata) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" cannot store metadata`, { vault: vault.name });
    }
    if (vault.extension.capabilities.readOnly) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" is read-only`, { vault: vault.name });
    }
    const extension = vault.extension;
    await this.#call(vault.name, async () => {
      if (extension.setSecretInfo) return extension.setSecretInfo(name, copyMetadata(metadata));
      const value = await extension.getSecret(name);
      // As a vault's own setSecretInfo says it (#call puts the vault in front).
      if (value === undefined) throw notFoundInCatalogue(name);
      await extension.setSecret(name, value, copyMetadata(metadata));
    });
  }

  async removeSecret(name: string, options: { vault: string }): Promise<void> {
    validateSecretName(name);
    this.#cachedReads.clear();
    if (options?.vault === undefined) {
      throw new SecretManagementError("INVALID_ARGUMENT", "removeSecret needs a vault: { vault: name }");
    }
    const vault = await this.#loadVault(options.vault);
    if (vault.extension.capabilities.readOnly) {
      throw new SecretManagementError("UNSUPPORTED", `vault "${vault.name}" is read-only`, { vault: vault.name });
    }
    await this.#call(vault.name, () => vault.extension.removeSecret(name));
  }

  /** Resolves `secret://vault/name#field` or `secret://name#field` to a value. */
  async resolveReference(reference: string): Promise<SecretValue> {
    const { vault, name, field } = parseSecretReference(reference);
    const value = await this.getSecret(name, vault === undefined ? {} : { vault });
    return selectField(value, field, reference);
  }

  /** The loaded extension behind a registered vault (for tools such as the CLI's store commands). */
  async getVaultExtension(name: string): Promise<VaultExtension> {
    return (await this.#loadVault(name)).extension;
  }

  // ---- internals ----

  #requireVault(data: RegistryData, name: string): { name: string; registration: VaultRegistration } {
    const registered = findVaultName(data, name);
    if (registered === undefined) throw vaultNotFound(name);
    return { name: registered, registration: data.vaults[registered]! };
  }

  /** vaults.json with this instance's session registrations (which win, and whose default wins). */
  #readRegistry(): RegistryData {
    return this.#withSession(this.registry.read());
  }

  #withSession(file: RegistryData): RegistryData {
    const data = structuredClone(file);
    for (const [name, registration] of Object.entries(this.#session.vaults)) {
      const shadowed = findVaultName(data, name);
      if (shadowed !== undefined) delete data.vaults[shadowed];
      data.vaults[name] = registration;
    }
    if (this.#session.defaultVault !== null) data.defaultVault = this.#session.defaultVault;
    return data;
  }

  async #loadVault(name: string): Promise<LoadedVault> {
    const vault = this.#requireVault(this.#readRegistry(), name);
    return { ...vault, extension: await this.#call(vault.name, () => this.#extension(vault.name, vault.registration)) };
  }

  #matchingVaults(pattern: string): { name: string; registration: VaultRegistration }[] {
    const data = this.#readRegistry();
    if (!hasWildcard(pattern)) return [this.#requireVault(data, pattern)];
    const matches = compileWildcard(pattern);
    return sortedNames(data).filter(matches).map((name) => ({ name, registration: data.vaults[name]! }));
  }

  /** Default vault first, then the others in case-insensitive name order. */
  #searchOrder(): { name: string; registration: VaultRegistration }[] {
    const data = this.#readRegistry();
    const names = sortedNames(data);
    const first = data.defaultVault === null ? undefined : findVaultName(data, data.defaultVault);
    const ordered = first === undefined ? names : [first, ...names.filter((name) => name !== first)];
    return ordered.map((name) => ({ name, registration: data.vaults[name]! }));
  }

  /** First use: no vault is registered yet, and this runtime has the built-in SecretStore for `local`. */
  #isFirstUse(): boolean {
    return Object.keys(this.#readRegistry().vaults).length === 0 && LOCAL_VAULT.module in this.#builtins;
  }

  async #defaultVaultForWrite(): Promise<LoadedVault> {
    const data = this.#readRegistry();
    const name = data.defaultVault;
    if (name === null || findVaultName(data, name) === undefined) {
      throw new SecretManagementError(
        "NO_DEFAULT_VAULT",
        "no default vault: pass { vault } or set one with setDefaultVault(name)",
      );
    }
    return this.#loadVault(name);
  }

  /** One extension instance per vault, made again when its registration changes. */
  #extension(name: string, registration: VaultRegistration): Promise<VaultExtension> {
    const key = nameKey(name);
    const signature = `${registration.module}\u0000${JSON.stringify(registration.parameters)}`;
    const cached = this.#extensions.get(key);
    if (cached?.signature === signature) return cached.extension;
    const extension = this.#createExtension(name, registration, this.#factories.get(key)).then((created) => {
      if (created.capabilities.persistent === false && findVaultName(this.#session, name) === undefined) {
        throw new SecretManagementError(
          "INVALID_EXTENSION",
          `vault "${name}" is registered in ${this.registry.path}, but its extension "${registration.module}" keeps secrets only in one process's memory, so they would be lost: unregister it (sm.unregisterVault("${name}"), or secret vault unregister ${name})`,
          { vault: name },
        );
      }
      return created;
    });
    extension.catch(() => this.#extensions.delete(key));
    this.#extensions.set(key, { signature, extension });
    return extension;
  }

  async #createExtension(name: string, registration: VaultRegistration, given?: VaultFactory): Promise<VaultExtension> {
    const module = registration.module;
    const factory = given ?? factoryFromModule(module, await this.#importModule(name, module));
    const context: VaultContext = {
      vaultName: name,
      parameters: structuredClone(registration.parameters),
      runtime: this.runtime,
      home: this.home,
      passwords: this.#passwords,
      prompt: async (message) =>
        (await this.#passwords.given(name)) ?? (await this.#passwords.ask({ vault: name, message, purpose: "unlock" })),
      resolveReference: (reference) => this.#resolveNested(name, reference),
    };
    let extension: unknown;
    try {
      extension = await factory(context);
    } catch (error) {
      if (error instanceof SecretManagementError) throw error;
      throw new SecretManagementError(
        "INVALID_EXTENSION",
        `extension "${module}" failed to start: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    return validateExtension(module, extension);
  }

  #builtinName(module: string): string | undefined {
    const key = module.toLowerCase();
    return Object.keys(this.#builtins).find((name) => name === key);
  }

  async #importModule(vault: string, module: string): Promise<unknown> {
    const builtin = this.#builtinName(module);
    const fail = (error: unknown) =>
      new SecretManagementError(
        "INVALID_EXTENSION",
        `cannot load extension "${module}": ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    if (builtin !== undefined) {
      try {
        return await this.#builtins[builtin]!();
      } catch (error) {
        throw fail(error);
      }
    }
    const unavailable = this.#unavailable[module.toLowerCase()];
    if (unavailable !== undefined) throw new SecretManagementError("UNSUPPORTED", unavailable);
    if (!this.#modules) {
      throw new SecretManagementError(
        "UNSUPPORTED",
        `this runtime loads no extension by name or path ("${module}"): import the vault module ` +
          `(built-in ones are the default export of secretmanagement/vaults/${module}) and pass it to registerVault`,
      );
    }
    try {
      return await this.#modules.import(module, vault);
    } catch (error) {
      if (error instanceof SecretManagementError) throw error;
      throw fail(error);
    }
  }

  /** Lets an extension read another vault's secret (e.g. a token), refusing reference cycles. */
  async #resolveNested(from: string, reference: string): Promise<SecretValue> {
    const key = `${nameKey(from)}->${reference}`;
    if (this.#resolving.has(key)) {
      throw new SecretManagementError("INVALID_ARGUMENT", `reference cycle through vault "${from}": ${reference}`);
    }
    this.#resolving.add(key);
    try {
      return await this.resolveReference(reference);
    } finally {
      this.#resolving.delete(key);
    }
  }

  /**
   * Runs an extension call. The manager, never the extension, attaches the vault: an error leaves
   * with `vault` set to the vault called and, unless its text already names that vault (the
   * manager's own errors, or one attached by an inner call), with `vault "x": ` before its message —
   * whatever `vault` the extension set, and for an error from another vault that the extension met
   * resolving a secret:// reference too (its text keeps that vault's name). So the same error reads
   * the same from every vault. Foreign errors become VAULT_UNAVAILABLE.
   */
  async #call<T>(vault: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SecretManagementError) {
        const attached = error.vault !== undefined && nameKey(error.vault) === nameKey(vault) &&
          error.message.includes(`"${vault}"`);
        if (attached) throw error;
        throw new SecretManagementError(error.code, `vault "${vault}": ${error.message}`, {
          vault,
          cause: error.cause ?? error,
        });
      }
      throw new SecretManagementError(
        "VAULT_UNAVAILABLE",
        `vault "${vault}" failed: ${(error as Error)?.message ?? String(error)}`,
        { vault, cause: error },
      );
    }
  }
}

function compareNames(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function sortedNames(data: RegistryData): string[] {
  return Object.keys(data.vaults).sort(compareNames);
}

/** The factory when `module` is given as code, else undefined. */
function factoryOf(module: unknown): VaultFactory | undefined {
  if (typeof module === "function") return module as VaultFactory;
  const inner = (module as { default?: unknown } | null)?.default;
  return typeof module === "object" && typeof inner === "function" ? (inner as VaultFactory) : undefined;
}

function toVaultInfo(data: RegistryData, name: string): VaultInfo {
  const registration = data.vaults[name]!;
  return {
    ...(registration.version === undefined ? {} : { version: registration.version }),
    name,
    module: registration.module,
    description: registration.description,
    parameters: structuredClone(registration.parameters),
    isDefault: data.defaultVault !== null && nameKey(data.defaultVault) === nameKey(name),
  };
}

function vaultExists(name: string): SecretManagementError {
  return new SecretManagementError("VAULT_EXISTS", `a vault named "${name}" is already registered`, { vault: name });
}

function vaultNotFound(name: string): SecretManagementError {
  return new SecretManagementError("VAULT_NOT_FOUND", `no vault named "${name}" is registered`);
}

function secretNotFound(name: string, vault?: string): SecretManagementError {
  return vault === undefined ? notFoundInCatalogue(name, { where: "in any vault" }) : notFoundInCatalogue(name, { vault });
}

function validateParameters(parameters: unknown): VaultParameters {
  const isJson = (value: unknown): value is JsonValue => {
    if (value === null || typeof value === "string" || typeof value === "boolean") return true;
    if (typeof value === "number") return Number.isFinite(value);
    if (Array.isArray(value)) return value.every(isJson);
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.values(value as object).every(isJson);
    }
    return false;
  };
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters) || !isJson(parameters)) {
    throw new SecretManagementError("INVALID_ARGUMENT", "vault parameters must be a JSON object");
  }
  return parameters as VaultParameters;
}
