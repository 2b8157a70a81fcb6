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
import { findSecret, readSecret, type SecretSource } from "../../core/secret-source.ts";
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

const segment = (name: string) => encodeURIComponent(name);

/** The file named by `parameter`, when given, is the source; else the environment variable. */
const envOrFile = (env: string, file: string | undefined, parameter: string): SecretSource[] =>
  file !== undefined ? [{ file, parameter }] : [{ env }];

export function createAuthenticator(context: VaultContext, params: AuthParameters): Authenticator {
  const mount = (params.authMount ?? params.auth).replace(/^\/+|\/+$/g, "");
  switch (params.auth) {
    case "token": {
      const sources: SecretSource[] = params.tokenFile !== undefined
        ? [{ file: params.tokenFile, parameter: "tokenFile" }]
        : [{ env: "VAULT_TOKEN" }, { env: "BAO_TOKEN" }];
      let from = params.tokenFile !== undefined ? `tokenFile ${params.tokenFile}` : "VAULT_TOKEN";
      return {
        method: "token",
        canLogin: false,
        tokenSource: () => from,
        async login(client: VaultClient): Promise<TokenLease> {
          const token = await readSecret(context, "Vault token", sources, ["tokenFile"]);
          from = token.from;
          return await client.lookup(token.value);
        },
      };
    }
    case "approle":
      return {
        method: "approle",
        canLogin: true,
        tokenSource: () => `approle login at auth/${mount}`,
        async login(client: VaultClient): Promise<TokenLease> {
          const roleIdSources = envOrFile(params.roleIdEnv, params.roleIdFile, "roleIdFile");
          const secretIdSources = envOrFile(params.secretIdEnv, params.secretIdFile, "secretIdFile");
          const roleId = await readSecret(context, "AppRole role_id", roleIdSources, ["roleIdFile"]);
          const secretId = await readSecret(context, "AppRole secret_id", secretIdSources, ["secretIdFile"]);
          return await client.login(
            `auth/${mount}/login`,
            { role_id: roleId.value, secret_id: secretId.value },
            `the role_id (${roleId.from}) or secret_id (${secretId.from})`,
          );
        },
      };
    case "userpass": {
      const username = params.username;
      if (!username) {
        throw new SecretManagementError("INVALID_ARGUMENT", "userpass auth needs the username parameter");
      }
      let prompted: string | undefined;
      return {
        method: "userpass",
        canLogin: true,
        tokenSource: () => `userpass login of ${username} at auth/${mount}`,
        async login(client: VaultClient): Promise<TokenLease> {
          const fromEnv = params.passwordEnv === undefined
            ? undefined
            : await findSecret(context, "Vault password", [{ env: params.passwordEnv }]);
          prompted ??= fromEnv ? undefined : await context.prompt(`Vault password for ${username} at ${client.address}: `);
          return await client.login(
            `auth/${mount}/login/${segment(username)}`,
            { password: fromEnv?.value ?? prompted },
            `the password of ${username} (from ${fromEnv?.from ?? "the prompt"})`,
          );
        },
      };
    }
  }
}
