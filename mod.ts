/**
 * secretmanagement: one API over many secret vaults.
 *
 *   import { SecretManagement } from "secretmanagement";
 *   const sm = await SecretManagement.open();
 *   await sm.setSecret("db", "s3cret");
 */
import { detectRuntime } from "./adapters/detect.ts";
import { SecretManagement as CoreSecretManagement, type OpenOptions as CoreOpenOptions } from "./core/manager.ts";
import { builtinVaults } from "./extensions/builtins.ts";

export type OpenOptions = Partial<CoreOpenOptions>;

/** The manager with the runtime detected and the built-in extensions available. */
export class SecretManagement extends CoreSecretManagement {
  static override async open(options: OpenOptions = {}): Promise<SecretManagement> {
    return await super.open({
      ...options,
      runtime: options.runtime ?? (await detectRuntime()),
      builtins: { ...builtinVaults, ...options.builtins },
    });
  }
}

export { detectRuntime } from "./adapters/detect.ts";
export { createWebRuntime } from "./adapters/web.ts";
export { builtinVaults } from "./extensions/builtins.ts";
export { bytesToBase64, base64ToBytes } from "./core/base64.ts";
export { decodeSecret, encodeSecret, metadataFromJson, metadataToJson } from "./core/envelope.ts";
export { type ErrorCode, isSecretManagementError, SecretManagementError } from "./core/errors.ts";
export {
  defineVault,
  type SetSecretOptions as VaultSetSecretOptions,
  type VaultCapabilities,
  type VaultContext,
  type VaultExtension,
  type VaultFactory,
  type VaultSecretInfo,
} from "./core/extension.ts";
export {
  type BuiltinVaults,
  LOCAL_VAULT,
  type RegisterVaultOptions,
  type SetSecretOptions,
  type VaultOption,
} from "./core/manager.ts";
export { isSecretReference, parseSecretReference, type SecretReference } from "./core/references.ts";
export type { VaultRegistration, RegistryData } from "./core/registry.ts";
export type { ChildProcess, FileInfo, FileSystem, Platform, Runtime, RuntimeName, SpawnOptions } from "./core/runtime.ts";
export {
  Credential,
  isCredential,
  type JsonValue,
  type Metadata,
  type MetadataValue,
  SECRET_TYPES,
  type SecretInfo,
  type SecretMap,
  type SecretType,
  type SecretValue,
  type VaultInfo,
  type VaultParameters,
} from "./core/types.ts";
export { compileWildcard } from "./core/wildcard.ts";
