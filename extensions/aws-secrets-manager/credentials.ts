/**
 * Where AWS credentials come from, first match wins:
 * 1. the `credential` parameter: a `secret://` reference to a credential (username = access key id,
 *    password = secret access key) or a map with accessKeyId, secretAccessKey and optional sessionToken;
 * 2. the `profile` parameter: that profile of the shared credentials file;
 * 3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
 * 4. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), profile
 *    AWS_PROFILE or "default".
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { VaultContext } from "../../core/extension.ts";
import { readSourceFile } from "../../core/secret-source.ts";
import { isCredential, type SecretValue } from "../../core/types.ts";
import type { AwsCredentials } from "./sigv4.ts";

function fromReference(value: SecretValue, reference: string): AwsCredentials {
  if (isCredential(value)) return { accessKeyId: value.username, secretAccessKey: value.password };
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    const map = value as Record<string, unknown>;
    const { accessKeyId, secretAccessKey, sessionToken } = map;
    if (typeof accessKeyId === "string" && typeof secretAccessKey === "string") {
      return typeof sessionToken === "string"
        ? { accessKeyId, secretAccessKey, sessionToken }
        : { accessKeyId, secretAccessKey };
    }
  }
  throw new SecretManagementError(
    "INVALID_ARGUMENT",
    `${reference} must be a credential (access key id, secret access key) or a map with accessKeyId and secretAccessKey`,
  );
}

/** The profiles of an INI-style shared credentials file. */
export function parseCredentialsFile(text: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      profiles.set(section[1]!, (current = {}));
      continue;
    }
    const equals = line.indexOf("=");
    if (current && equals > 0) current[line.slice(0, equals).trim().toLowerCase()] = line.slice(equals + 1).trim();
  }
  return profiles;
}

function fromFile(context: VaultContext, profile: string): AwsCredentials | undefined {
  const { runtime } = context;
  const home = runtime.homeDir();
  const path = runtime.env("AWS_SHARED_CREDENTIALS_FILE") ?? (home ? `${home}/.aws/credentials` : undefined);
  // Without a file system (the edge) there is no shared file to fall back on: "no AWS credentials" says what to set.
  const text = path && runtime.fs ? readSourceFile(context, path, "AWS shared credentials") : undefined;
  if (!text) return undefined;
  const entry = parseCredentialsFile(text).get(profile);
  if (!entry?.aws_access_key_id || !entry.aws_secret_access_key) {
    throw new SecretManagementError("INVALID_ARGUMENT", `profile "${profile}" in ${path} has no access key`);
  }
  const credentials: AwsCredentials = {
    accessKeyId: entry.aws_access_key_id,
    secretAccessKey: entry.aws_secret_access_key,
  };
  if (entry.aws_session_token) credentials.sessionToken = entry.aws_session_token;
  return credentials;
}

/** The vault's `credential` (a secret:// reference, checked at registration) and `profile` parameters. */
export interface CredentialSource {
  credential: string | undefined;
  profile: string | undefined;
}

export async function loadCredentials(context: VaultContext, source: CredentialSource): Promise<AwsCredentials> {
  const { runtime } = context;
  const { credential, profile } = source;
  if (credential !== undefined) return fromReference(await context.resolveReference(credential), credential);
  if (profile === undefined) {
    const accessKeyId = runtime.env("AWS_ACCESS_KEY_ID");
    const secretAccessKey = runtime.env("AWS_SECRET_ACCESS_KEY");
    if (accessKeyId && secretAccessKey) {
      const sessionToken = runtime.env("AWS_SESSION_TOKEN");
      return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
    }
  }
  const fromProfile = fromFile(context, profile ?? runtime.env("AWS_PROFILE") ?? "default");
  if (fromProfile) return fromProfile;
  throw new SecretManagementError(
    "PASSWORD_REQUIRED",
    "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a shared credentials file, or the credential parameter",
  );
}
