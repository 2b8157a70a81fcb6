/**
 * Where the Vault token comes from. Parameters never hold a secret, only where to find it:
 * - `token`: `tokenFile`, else VAULT_TOKEN, else BAO_TOKEN;
 * - `approle`: role_id and secret_id from the env vars named by `roleIdEnv`/`secretIdEnv`
 *   (default VAULT_ROLE_ID/VAULT_SECRET_ID) or from `roleIdFile`/`secretIdFile`;
 * - `userpass`: `username`, the password from the env var named by `passwordEnv`, else a prompt.
 *   A prompted password is kept in memory for the life of the process, to log in again when the
 *   token expires without asking again.
 * `authMount` is where the method is enabled (default: its name).
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { VaultContext } from "../../core/extension.ts";
import type { Authenticator, TokenLease, VaultClient } from "./client.ts";

export type AuthMethod = "token" | "approle" | "userpass";

export interface AuthParameters {
  auth: AuthMethod;
  authMount: string | undefined;
  tokenFile: string | undefined;
  roleIdEnv: string;
  roleIdFile: string | undefined;
  secretIdEnv: string;
  secretIdFile: string | undefined;
  username: string | undefined;
  passwordEnv: string | undefined;
}

function readSecretFile(context: VaultContext, path: string, what: string): string {
  const fs = context.runtime.fs;
  if (!fs) {
    throw new SecretManagementError("UNSUPPORTED", `cannot read the ${what} file: this runtime has no file system`, {
      vault: context.vaultName,
    });
  }
  const bytes = fs.readFile(path);
  const text = bytes === undefined ? "" : new TextDecoder().decode(bytes).trim();
  if (text === "") {
    throw new SecretManagementError("INVALID_ARGUMENT", `the ${what} file ${path} is missing or empty`, {
      vault: context.vaultName,
    });
  }
  return text;
}

function fromEnvOrFile(context: VaultContext, envName: string, file: string | undefined, what: string): string {
  if (file !== undefined) return readSecretFile(context, file, what);
  const value = context.runtime.env(envName);
  if (!value) {
    throw new SecretManagementError("PASSWORD_REQUIRED", `no ${what}: set ${envName} or give a file parameter`, {
      vault: context.vaultName,
    });
  }
  return value;
}

const segment = (name: string) => encodeURIComponent(name);

export function createAuthenticator(context: VaultContext, params: AuthParameters): Authenticator {
  const mount = (params.authMount ?? params.auth).replace(/^\/+|\/+$/g, "");
  switch (params.auth) {
    case "token":
      return {
        method: "token",
        canLogin: false,
        tokenSource: () =>
          params.tokenFile !== undefined
            ? `tokenFile ${params.tokenFile}`
            : context.runtime.env("VAULT_TOKEN")
            ? "VAULT_TOKEN"
            : "BAO_TOKEN",
        async login(client: VaultClient): Promise<TokenLease> {
          const token = params.tokenFile !== undefined
            ? readSecretFile(context, params.tokenFile, "token")
            : context.runtime.env("VAULT_TOKEN") || context.runtime.env("BAO_TOKEN");
          if (!token) {
            throw new SecretManagementError(
              "PASSWORD_REQUIRED",
              "no Vault token: set VAULT_TOKEN or BAO_TOKEN, or the tokenFile parameter",
              { vault: context.vaultName },
            );
          }
          return await client.lookup(token);
        },
      };
    case "approle":
      return {
        method: "approle",
        canLogin: true,
        tokenSource: () => `approle login at auth/${mount}`,
        async login(client: VaultClient): Promise<TokenLease> {
          const roleId = fromEnvOrFile(context, params.roleIdEnv, params.roleIdFile, "AppRole role_id");
          const secretId = fromEnvOrFile(context, params.secretIdEnv, params.secretIdFile, "AppRole secret_id");
          const from = (file: string | undefined, env: string) => (file === undefined ? env : `file ${file}`);
          return await client.login(
            `auth/${mount}/login`,
            { role_id: roleId, secret_id: secretId },
            `the role_id (${from(params.roleIdFile, params.roleIdEnv)}) or secret_id (${from(params.secretIdFile, params.secretIdEnv)})`,
          );
        },
      };
    case "userpass": {
      const username = params.username;
      if (!username) {
        throw new SecretManagementError("INVALID_ARGUMENT", "userpass auth needs the username parameter", {
          vault: context.vaultName,
        });
      }
      let prompted: string | undefined;
      return {
        method: "userpass",
        canLogin: true,
        tokenSource: () => `userpass login of ${username} at auth/${mount}`,
        async login(client: VaultClient): Promise<TokenLease> {
          let password = params.passwordEnv === undefined ? undefined : context.runtime.env(params.passwordEnv);
          if (!password) {
            prompted ??= await context.prompt(`Vault password for ${username} at ${client.address}: `);
            password = prompted;
          }
          const source = params.passwordEnv !== undefined && context.runtime.env(params.passwordEnv)
            ? params.passwordEnv
            : "the prompt";
          return await client.login(
            `auth/${mount}/login/${segment(username)}`,
            { password },
            `the password of ${username} (from ${source})`,
          );
        },
      };
    }
  }
}
