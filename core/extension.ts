/**
 * The extension contract: a vault module default-exports `defineVault(factory)`. The factory must
 * not do I/O (it runs at registration to validate the shape); connect lazily on first use.
 */
import { SecretManagementError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";
import type { Metadata, SecretInfo, SecretType, SecretValue, VaultParameters } from "./types.ts";

export interface VaultContext {
  vaultName: string;
  parameters: VaultParameters;
  runtime: Runtime;
  /** The SecretManagement home directory (vaults.json lives here). */
  home: string;
  /**
   * Where this vault's password comes from (`SecretManagement.open({ passwords })`): the one given
   * without asking, a terminal, and for a SecretStore a data key held elsewhere (the CLI's agent).
   */
  passwords: PasswordSource;
  /** The password given for this vault, else asked on a terminal; PASSWORD_REQUIRED when there is none. */
  prompt(message: string): Promise<string>;
  /** Resolves a `secret://vault/name#field` reference through the other registered vaults. */
  resolveReference(reference: string): Promise<SecretValue>;
}

/** What a vault asks its password source for when nobody gave it a password. */
export interface PasswordRequest {
  vault: string;
  /** The question on a terminal. */
  message: string;
  /** "unlock": the current password; "new": one to create the vault with, asked twice until both match. */
  purpose: "unlock" | "new";
}

/**
 * Where vaults' passwords come from, passed as `SecretManagement.open({ passwords })`. Without one the
 * manager uses the passwords given by vault name, then a terminal (core/passwords.ts); the CLI passes
 * its own: the unlock agent, --password-stdin, then a terminal, whose answers it hands to the agent.
 */
export interface PasswordSource {
  /** The password given for `vault` without asking anyone; undefined when there is none. */
  given(vault: string): Promise<string | undefined>;
  /** Asks on a terminal; PASSWORD_REQUIRED naming the remedies when there is none. */
  ask(request: PasswordRequest): Promise<string>;
  /**
   * Unlocks a SecretStore with a data key held elsewhere (by the store's id): calls `unlock` with the
   * key and how many seconds it stays valid (-1: until locked), and zeroes the key after. False when
   * no key is held, or the one held does not open the store.
   */
  unlockWithHeldKey?(request: {
    vault: string;
    storeId: string;
    unlock: (key: Uint8Array, remainingSeconds: number) => void;
  }): Promise<boolean>;
}

export interface VaultCapabilities {
  /** Whether the vault stores metadata; writing metadata elsewhere is refused before anything is written. */
  metadata: boolean;
  /** The value types the vault can hold; others are refused with UNSUPPORTED. */
  types: readonly SecretType[];
  /** A read-only vault refuses every write with UNSUPPORTED. */
  readOnly?: boolean;
  /**
   * False for a vault whose secrets do not outlive the process (`memory`): its registration lives
   * only as long as the SecretManagement instance and is never written to vaults.json. Default true.
   */
  persistent?: boolean;
}

export type VaultSecretInfo = Omit<SecretInfo, "vault">;

export interface SetSecretOptions {
  /** Refuse with SECRET_EXISTS when the name exists; atomic where the backend allows. */
  noClobber?: boolean;
}

export interface VaultExtension {
  readonly capabilities: VaultCapabilities;
  /** `undefined` when the vault has no secret of that name (case-insensitive where the backend allows). */
  getSecret(name: string): Promise<SecretValue | undefined>;
  /** `metadata` undefined keeps the metadata the secret already has; `{}` clears it. */
  setSecret(name: string, value: SecretValue, metadata?: Metadata, options?: SetSecretOptions): Promise<void>;
  /** SECRET_NOT_FOUND when there is no such secret. */
  removeSecret(name: string): Promise<void>;
  /** `filter` is a wildcard pattern (`*`, `?`). */
  getSecretInfo(filter: string): Promise<VaultSecretInfo[]>;
  test(): Promise<boolean>;
  /** Replaces a secret's metadata; SECRET_NOT_FOUND when there is no such secret. */
  setSecretInfo?(name: string, metadata: Metadata): Promise<void>;
  unlock?(password: string): Promise<void>;
  unregister?(): Promise<void>;
}

export type VaultFactory = (context: VaultContext) => VaultExtension | Promise<VaultExtension>;

/** Marks a factory as a vault extension; the identity at run time, a type check at write time. */
export function defineVault(factory: VaultFactory): VaultFactory {
  return factory;
}

const REQUIRED_METHODS = ["getSecret", "setSecret", "removeSecret", "getSecretInfo", "test"] as const;
const OPTIONAL_METHODS = ["setSecretInfo", "unlock", "unregister"] as const;

/** Checks a loaded module's default export; the error names the module and the missing member. */
export function factoryFromModule(module: string, exports: unknown): VaultFactory {
  const factory = (exports as { default?: unknown } | null)?.default;
  if (typeof factory !== "function") {
    throw new SecretManagementError(
      "INVALID_EXTENSION",
      `extension "${module}" has no default export made with defineVault(factory)`,
    );
  }
  return factory as VaultFactory;
}

export function validateExtension(module: string, extension: unknown): VaultExtension {
  if (typeof extension !== "object" || extension === null) {
    throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}": its factory returned no object`);
  }
  const candidate = extension as Record<string, unknown>;
  for (const method of REQUIRED_METHODS) {
    if (typeof candidate[method] !== "function") {
      throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}" is missing method ${method}()`);
    }
  }
  for (const method of OPTIONAL_METHODS) {
    if (candidate[method] !== undefined && typeof candidate[method] !== "function") {
      throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}": ${method} must be a function`);
    }
  }
  const capabilities = candidate.capabilities as Partial<VaultCapabilities> | undefined;
  if (typeof capabilities !== "object" || capabilities === null) {
    throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}" is missing capabilities`);
  }
  if (typeof capabilities.metadata !== "boolean") {
    throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}" is missing capabilities.metadata`);
  }
  if (!Array.isArray(capabilities.types) || capabilities.types.length === 0) {
    throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}" is missing capabilities.types`);
  }
  if (capabilities.persistent !== undefined && typeof capabilities.persistent !== "boolean") {
    throw new SecretManagementError("INVALID_EXTENSION", `extension "${module}": capabilities.persistent must be a boolean`);
  }
  return extension as VaultExtension;
}
