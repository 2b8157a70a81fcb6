// Deno/Bun: SECRETMANAGEMENT_HOME=$(mktemp -d) deno run -A examples/use-my-vault.ts — registers examples/my-vault.ts by path and uses it.
import { SecretManagement } from "../mod.ts";

const sm = await SecretManagement.open();
await sm.registerVault("mine", "./examples/my-vault.ts");
await sm.setSecret("token", "t-123", { vault: "mine" });
console.log(await sm.getSecret("token"));
