/**
 * AWS Lambda (Node.js runtime), plain JavaScript: a sealed store shipped in the deployment package
 * beside this file (`secret store export --sealed secrets.sealed`, its key in the SEALED_KEY
 * environment variable, kept encrypted by Lambda) and AWS Secrets Manager, with the function's role.
 *
 * The instance is made once per execution environment, at module scope (during the init phase),
 * and reused by every invocation: the sealed file is read and decrypted once, and reads repeated
 * within the cache TTL cost no request.
 *
 * Demo only: the event names the secret and the answer carries its value, so the example can be
 * tested. A real function uses its secrets and never returns them.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SecretManagement, secretToJson } from "secretmanagement";
import awsSecretsManager from "secretmanagement/vaults/aws-secrets-manager";
import sealed from "secretmanagement/vaults/sealed";

const secrets = (async () => {
  // Lambda's only writable directory is /tmp; nothing is written there (vaults registered as
  // modules live in this instance), but the library needs a home.
  const sm = await SecretManagement.open({ home: join(tmpdir(), "secretmanagement"), cache: { ttlSeconds: 300 } });
  const path = fileURLToPath(new URL("./secrets.sealed", import.meta.url));
  await sm.registerVault("config", sealed, { parameters: { path, keyEnv: "SEALED_KEY" }, default: true });
  // SECRETS_MANAGER_ENDPOINT is for local testing (moto, LocalStack); in AWS leave it unset.
  const endpoint = process.env.SECRETS_MANAGER_ENDPOINT;
  await sm.registerVault("aws", awsSecretsManager, { parameters: endpoint ? { endpoint } : {} });
  return sm;
})();

/** `{ name, vault? }` → `{ type, value }`; errors carry a code and never a value. */
export const handler = async (event) => {
  const sm = await secrets;
  try {
    return secretToJson(await sm.getSecret(String(event.name), event.vault ? { vault: String(event.vault) } : {}));
  } catch (error) {
    return { code: error.code ?? "INTERNAL", error: error.message };
  }
};
