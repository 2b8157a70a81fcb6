// Node: SECRETMANAGEMENT_HOME=$(mktemp -d) node examples/quickstart.mjs (after npm run build; in your project: import from "secretmanagement")
import { SecretManagement } from "../dist/mod.js";

const sm = await SecretManagement.open();
// A memory vault lives as long as `sm` (never in vaults.json); default: true so nothing reaches your other vaults.
await sm.registerVault("scratch", "memory", { description: "in-process only", default: true });
await sm.setSecret("db", { username: "app", password: "s3cret" }, { metadata: { owner: "ops" } });
const db = await sm.getSecret("db");
const [info] = await sm.getSecretInfo("d*");
console.log(JSON.stringify({ db, type: info?.type, owner: info?.metadata.owner }));
