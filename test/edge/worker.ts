// A Cloudflare worker that uses the library the way edge code would: env bindings, memory vault.
import { SecretManagement } from "../../edge.ts";

export default {
  async fetch(_request: Request, env: Record<string, unknown>): Promise<Response> {
    const sm = await SecretManagement.open({ env });
    await sm.registerVault("cache", "memory");
    await sm.registerVault("bindings", "env", { parameters: { prefix: "APP" } });
    await sm.setSecret("bytes", Uint8Array.from({ length: 256 }, (_, i) => i), { metadata: { at: new Date(0) } });
    const bytes = (await sm.getSecret("bytes")) as Uint8Array;
    const fromBinding = await sm.getSecret("api-key");
    const info = await sm.getSecretInfo();
    const unsupported = await sm.setSecret("x", "y", { vault: "bindings" }).catch((e) => e.code);
    const noFs = await sm.registerVault("local", "secretstore").catch((e) => e.code);
    return Response.json({
      runtime: sm.runtime.name,
      bytesOk: bytes.length === 256 && bytes.every((b, i) => b === i),
      fromBinding,
      vaults: info.map((i) => `${i.vault}/${i.name}:${i.type}`),
      unsupported,
      noFs,
    });
  },
};
