/**
 * `secret store export --sealed <file>`: a read-only, encrypted snapshot of a SecretStore's secrets
 * (core/sealed.ts) for functions and workers. It is sealed under a fresh random key, printed on
 * stdout as the only output, so whoever deploys the file sets the key beside it (a worker secret,
 * an environment variable) and no password or KDF is needed where it is read.
 */
import { absolutePath } from "../../core/paths.ts";
import { type SealedSecret, sealSecrets } from "../../core/sealed.ts";
import { SecretManagementError } from "../../core/errors.ts";
import type { CommandContext } from "../context.ts";
import { storeVaultName } from "../stores.ts";

export async function exportSealed(context: CommandContext<"store export">): Promise<void> {
  const target = context.flags.sealed;
  if (target === undefined) throw context.usage("export needs --sealed <file>: where to write the sealed store");
  const fs = context.runtime.fs!;
  const file = absolutePath(context.runtime, target);
  const force = context.flags.force;
  // Checked before the store is read, so a refusal costs no password; checked again when writing.
  if (!force && fs.stat(file) !== undefined) throw fileExists(file);
  const sm = await context.open();
  const vault = await storeVaultName(context, sm);
  const filter = context.flags.filter ?? "*";
  const infos = await sm.getSecretInfo(filter, { vault });
  if (infos.length === 0) {
    throw new SecretManagementError("SECRET_NOT_FOUND", `no secret in vault "${vault}" matches "${filter}": nothing exported`, {
      vault,
    });
  }
  const secrets: SealedSecret[] = [];
  for (const info of infos) {
    secrets.push({ name: info.name, value: await sm.getSecret(info.name, { vault }), metadata: info.metadata });
  }
  const { bytes, key } = sealSecrets(secrets);
  if (force) fs.writeFileAtomic(file, bytes, 0o600);
  else if (!fs.createExclusive(file, bytes, 0o600)) throw fileExists(file);
  context.out(`${key}\n`);
}

function fileExists(file: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", `${file} exists: choose another file, or replace it with --force`);
}
