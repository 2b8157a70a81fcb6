/**
 * keepass: secrets as entries of a KeePass database (KDBX 3.1 and 4, read and write), opened with a
 * password and optionally a key file. See docs/keepass.md for the value and metadata mapping.
 *
 * Parameters: `path` (absolute or `~/…`), `keyFile`, `group` (where new entries go; default the
 * root group), `passwordEnv` (the name of an environment variable holding the password, for CI).
 * Password: `unlock(password)`, else `$<passwordEnv>`, else a terminal prompt.
 *
 * Writes happen under our lock file `<path>.lock`, start from the file as it is on disk (reloaded
 * when another program changed it), and replace the file atomically. KeePassXC does not take our
 * lock, so a save there racing one here can still lose one of the two.
 */
import { secretExists, SecretManagementError, secretNotFound } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { withLock } from "../../core/lock.ts";
import { dirname, isAbsolutePath, joinPath } from "../../core/paths.ts";
import type { FileSystem } from "../../core/runtime.ts";
import { type Metadata, SECRET_TYPES } from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";
import { KdbxFile, readKeyFile, type Secrets } from "./database.ts";
import { loadKdbxweb } from "./kdbxweb.ts";
import { readParameters } from "../../core/parameters.ts";
import {
  checkValue,
  checkXmlText,
  displayNames,
  findEntry,
  groupAt,
  metadataFields,
  readMetadata,
  readValue,
  typeOfEntry,
  visibleEntries,
  writeMetadata,
  writeValue,
} from "./entries.ts";
import type * as Kdbxweb from "kdbxweb";

const PARAMETERS = {
  path: { type: "string" },
  keyFile: { type: "string" },
  group: { type: "string", default: "" },
  passwordEnv: { type: "string" },
} as const;

/** Where a password goes instead of a parameter (parameters are stored in clear in vaults.json). */
const PASSWORD_INSTEAD = "passwordEnv (the name of an environment variable holding the password), `secret vault unlock` or the prompt";
const SECRET_KEYS = { password: PASSWORD_INSTEAD, masterPassword: PASSWORD_INSTEAD, passphrase: PASSWORD_INSTEAD };

function filePath(context: VaultContext, key: string, value: string): string {
  if (value.startsWith("~/")) {
    const home = context.runtime.homeDir();
    if (home) return joinPath(context.runtime, home, value.slice(2));
  }
  if (!isAbsolutePath(value)) {
    throw new SecretManagementError("INVALID_ARGUMENT", `keepass parameter "${key}" must be an absolute path or start with ~/`);
  }
  return value;
}

function readKeepassParameters(context: VaultContext) {
  const values = readParameters(context.vaultName, context.parameters, PARAMETERS, { secretKeys: SECRET_KEYS });
  if (values.path === undefined) throw new SecretManagementError("INVALID_ARGUMENT", 'keepass needs the parameter "path"');
  // Group names are written into the file as they are, so they must be text XML can carry.
  checkXmlText(values.group, 'the parameter "group"');
  return {
    path: filePath(context, "path", values.path),
    keyFile: values.keyFile === undefined ? undefined : filePath(context, "keyFile", values.keyFile),
    group: values.group,
    passwordEnv: values.passwordEnv,
  };
}

export default defineVault((context): VaultExtension => {
  const parameters = readKeepassParameters(context);
  const fs: FileSystem | undefined = context.runtime.fs;
  if (!fs) throw new SecretManagementError("UNSUPPORTED", "keepass needs a file system");
  const file = new KdbxFile(parameters.path, fs);
  const lockPath = `${parameters.path}.lock`;
  let unlocked: string | undefined;

  const keyFile = (): Uint8Array | undefined => parameters.keyFile === undefined ? undefined : readKeyFile(fs, parameters.keyFile);

  const secrets = async (): Promise<Secrets> => {
    let password = unlocked;
    if (password === undefined && parameters.passwordEnv !== undefined) {
      password = context.runtime.env(parameters.passwordEnv);
    }
    if (password === undefined) {
      // Asked once per process; forgotten again if the file refuses it.
      password = await context.prompt(`Password for KeePass database ${parameters.path}: `);
      unlocked = password;
    }
    return { password, keyFile: keyFile() };
  };

  /** The database as on disk, or undefined when the file does not exist yet. A wrong password is forgotten. */
  const current = async (): Promise<Kdbxweb.Kdbx | undefined> => {
    if (!file.exists()) return undefined;
    try {
      return await file.current(secrets);
    } catch (error) {
      if ((error as SecretManagementError).code === "WRONG_PASSWORD") unlocked = undefined;
      throw error;
    }
  };

  /** Runs `change` on the database as it is on disk now, then saves it; the file is created on first write. */
  const write = <T>(change: (db: Kdbxweb.Kdbx, kdbxweb: typeof Kdbxweb) => Promise<T>): Promise<T> =>
    withLock(context.runtime, lockPath, async () => {
      const kdbxweb = await loadKdbxweb();
      const db = (await current()) ?? (await file.create(await secrets(), titleOf(parameters.path)));
      try {
        const result = await change(db, kdbxweb);
        await file.save(db);
        return result;
      } catch (error) {
        file.forget(); // the in-memory database may now differ from the file
        throw error;
      }
    });


  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      const db = await current();
      const located = db && findEntry(db, name);
      return located && readValue(db, await loadKdbxweb(), located);
    },

    async setSecret(name, value, metadata, options) {
      checkXmlText(name, "the secret name");
      checkValue(value);
      const planned = metadata === undefined ? undefined : metadataFields(metadata);
      await write(async (db, kdbxweb) => {
        const existing = findEntry(db, name);
        if (existing && options?.noClobber) {
          throw secretExists(name, `(${existing.path})`);
        }
        let entry = existing?.entry;
        if (entry) {
          entry.pushHistory();
        } else {
          const { group, title } = placeNew(db, name, parameters.group);
          entry = db.createEntry(group);
          entry.fields.set("Title", title);
        }
        await writeValue(db, kdbxweb, entry, value);
        if (planned) writeMetadata(entry, planned);
        entry.times.update();
        db.cleanup({ historyRules: true, binaries: true });
      });
    },

    async removeSecret(name) {
      await write(async (db) => {
        const located = findEntry(db, name);
        if (!located) throw secretNotFound(name);
        db.remove(located.entry); // to the recycle bin when the file has one enabled, else deleted
      });
    },

    async getSecretInfo(filter) {
      const db = await current();
      if (!db) return [];
      const matches = compileWildcard(filter);
      const entries = visibleEntries(db);
      const infos: VaultSecretInfo[] = [];
      for (const [located, name] of displayNames(entries)) {
        if (matches(name)) infos.push({ name, type: typeOfEntry(located), metadata: readMetadata(located) });
      }
      return infos;
    },

    async setSecretInfo(name, metadata: Metadata) {
      const planned = metadataFields(metadata);
      await write(async (db) => {
        const located = findEntry(db, name);
        if (!located) throw secretNotFound(name);
        located.entry.pushHistory();
        writeMetadata(located.entry, planned);
        located.entry.times.update();
        db.cleanup({ historyRules: true, binaries: true });
      });
    },

    async test() {
      if (!file.exists()) return fs.stat(dirname(parameters.path))?.isDirectory ?? false;
      return (await current()) !== undefined;
    },

    async unlock(password) {
      await file.open({ password, keyFile: keyFile() });
      unlocked = password;
    },
  };
});

/** The file name without its extension: the database name of a file created here. */
function titleOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  // Only a name: characters the file could not hold in plain text are left out (see checkXmlText).
  return base.replace(/\.kdbx$/i, "").replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu, "");
}

/**
 * Where a new entry goes: a name `A/B/Title` whose `A/B` is an existing group goes there as `Title`;
 * any other name is the title of an entry in the vault's `group` (created if missing).
 */
function placeNew(db: Kdbxweb.Kdbx, name: string, defaultGroup: string): { group: Kdbxweb.KdbxGroup; title: string } {
  const slash = name.lastIndexOf("/");
  if (slash > 0 && slash < name.length - 1) {
    const group = groupAt(db, name.slice(0, slash), false);
    if (group) return { group, title: name.slice(slash + 1) };
  }
  return { group: groupAt(db, defaultGroup, true)!, title: name };
}
