/**
 * secretmanagement/extension: the kit for writing a vault extension — the contract and
 * `defineVault`, the parameter reader every built-in vault uses, the reader for a vault's own secret
 * (env var, file or secret:// reference), the value envelope and type tag for backends that store
 * text, the HTTP client and status-to-error mapping every HTTP vault follows, and the errors.
 * See docs/writing-a-vault.md.
 */
export { base64ToBytes, bytesToBase64 } from "./core/base64.ts";
export {
  decodeSecret,
  encodeSecret,
  metadataFromJson,
  metadataToJson,
  secretFromJson,
  secretToJson,
  TYPE_TAG,
  typeFromTag,
} from "./core/envelope.ts";
export {
  type ErrorCode,
  isSecretManagementError,
  SecretManagementError,
  secretExists,
  secretNotFound,
  storeCorrupt,
} from "./core/errors.ts";
export {
  defineVault,
  type SetSecretOptions,
  type VaultCapabilities,
  type VaultContext,
  type VaultExtension,
  type VaultFactory,
  type VaultSecretInfo,
} from "./core/extension.ts";
export {
  errorCodeForStatus,
  HttpClient,
  type HttpClientOptions,
  type HttpReply,
  HttpStatusError,
  httpStatusOf,
  jsonBody,
  type RequestOptions,
  statusError,
} from "./core/http.ts";
export { type ParameterSchema, type ParameterSpec, type ParameterValues, readParameters } from "./core/parameters.ts";
export type { FileSystem, Runtime, SpawnOptions } from "./core/runtime.ts";
export { describeSource, findSecret, type FoundSecret, readSecret, readSourceFile, type SecretSource } from "./core/secret-source.ts";
export {
  type Credential,
  isCredential,
  type JsonValue,
  type Metadata,
  SECRET_TYPES,
  type SecretMap,
  type SecretType,
  type SecretValue,
  type VaultParameters,
} from "./core/types.ts";
export { compileWildcard } from "./core/wildcard.ts";
