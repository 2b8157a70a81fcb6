// Deno: deno run -A examples/quickstart.ts   Bun: bun examples/quickstart.ts
import { SecretManagement } from "../mod.ts";

const sm = await SecretManagement.open();
await sm.registerVault("scratch", "memory", { description: "in-process only" });
await sm.setSecret("db", { username: "app", password: "s3cret" }, { metadata: { owner: "ops" } });
const db = await sm.getSecret("db");
const [info] = await sm.getSecretInfo("d*");
console.log(JSON.stringify({ db, type: info?.type, owner: info?.metadata.owner }));
