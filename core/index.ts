/** The runtime-neutral public API; `mod.ts` and `edge.ts` add a SecretManagement bound to a runtime. */
export { base64ToBytes, bytesToBase64 } from "./base64.ts";
export { decodeSecret, encodeSecret, metadataFromJson, metadataToJson, secretFromJson, secretToJson } from "./envelope.ts";
export { type ErrorCode, isSecretManagementError, SecretManagementError } from "./errors.ts";
export {
  defineVault,
  type PasswordRequest,
  type PasswordSource,
  type SetSecretOptions as VaultSetSecretOptions,
  type VaultCapabilities,
  type VaultContext,
  type VaultExtension,
  type VaultFactory,
  type VaultSecretInfo,
} from "./extension.ts";
export {
  type BuiltinVaults,
  LOCAL_VAULT,
  type OpenOptions as CoreOpenOptions,
  type RegisterVaultOptions,
  type SetSecretOptions,
  type VaultOption,
} from "./manager.ts";
export { isSecretReference, parseSecretReference, type SecretReference } from "./references.ts";
export { openSealedStore, type SealedSecret, type SealedStore, sealSecrets } from "./sealed.ts";
export type { RegistryData, VaultRegistration } from "./registry.ts";
export type { ChildProcess, FileInfo, FileSystem, Platform, Runtime, RuntimeName, SpawnOptions } from "./runtime.ts";
export {
  Credential,
  MAX_SECRET_VALUE_BYTES,
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
} from "./types.ts";
export { compileWildcard } from "./wildcard.ts";
