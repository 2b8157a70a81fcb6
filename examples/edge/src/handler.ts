/**
 * One request handler for Cloudflare Workers, Deno Deploy and Vercel Edge. It reads secrets from
 * two vaults: `config`, a sealed store shipped with the code (made by
 * `secret store export --sealed secrets.sealed`, opened with the key it printed), and `team`, an
 * OpenBao/Vault KV v2 mount read over fetch.
 *
 * The SecretManagement instance is made once per isolate, at module scope, and reused by every
 * request: the sealed store is decrypted once, the Vault token is looked up once, and with
 * `kvVersion` set a read is one HTTP request (none within the cache TTL).
 *
 * Demo only: `GET /?name=…[&vault=…]` answers with the secret's value so the example can be tested.
 * A real worker uses its secrets (to call an API, to sign a token) and never sends them back.
 */
import { SecretManagement, secretToJson } from "secretmanagement/edge";
import hashicorpVault from "secretmanagement/vaults/hashicorp-vault";
import { sealedVault } from "secretmanagement/vaults/sealed";

/** Bindings and environment variables the handler reads. */
export interface Env {
  /** The key `secret store export --sealed` printed (a secret binding / secret env var). */
  SEALED_KEY?: string;
  /** OpenBao/Vault address, e.g. https://openbao.example.com:8200. */
  BAO_ADDR?: string;
  /** OpenBao/Vault token (a secret binding / secret env var). */
  VAULT_TOKEN?: string;
  [name: string]: unknown;
}

let secrets: Promise<SecretManagement> | undefined;

/** The instance every request shares, made by the first request of this isolate. */
function open(env: Env, sealed: ArrayBuffer | Uint8Array): Promise<SecretManagement> {
  secrets ??= (async () => {
    const sm = await SecretManagement.open({ env, cache: { ttlSeconds: 60 } });
    await sm.registerVault("config", sealedVault(sealed), { parameters: { keyEnv: "SEALED_KEY" }, default: true });
    if (typeof env.BAO_ADDR === "string") {
      await sm.registerVault("team", hashicorpVault, { parameters: { address: env.BAO_ADDR, mount: "secret", kvVersion: 2 } });
    }
    return sm;
  })();
  // A failed start (a missing binding) is not kept: the next request tries again.
  secrets.catch(() => (secrets = undefined));
  return secrets;
}

const STATUS: Record<string, number> = { SECRET_NOT_FOUND: 404, VAULT_NOT_FOUND: 404, INVALID_ARGUMENT: 400 };

export async function handle(request: Request, env: Env, sealed: ArrayBuffer | Uint8Array): Promise<Response> {
  const url = new URL(request.url);
  const name = url.searchParams.get("name");
  if (name === null) return Response.json({ error: "ask for ?name=<secret>[&vault=config|team]" }, { status: 400 });
  const vault = url.searchParams.get("vault") ?? undefined;
  try {
    const sm = await open(env, sealed);
    return Response.json(secretToJson(await sm.getSecret(name, { vault })));
  } catch (error) {
    // Error messages never hold a secret value; the code says what went wrong.
    const code = (error as { code?: string }).code ?? "INTERNAL";
    return Response.json({ code, error: (error as Error).message }, { status: STATUS[code] ?? 500 });
  }
}
