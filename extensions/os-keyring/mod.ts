/**
 * os-keyring: secrets in the operating system's credential store through `@napi-rs/keyring` (one
 * library over macOS Keychain, Windows Credential Manager and the Linux Secret Service).
 *
 * Each secret is one credential: service = the `service` parameter (default
 * `secretmanagement:<vault name>`), account = the secret's name in lower case (names are
 * case-insensitive), password = a JSON envelope `{"type","value","name","metadata"}` (core/envelope.ts),
 * so every value type and metadata round-trips and the spelling of the name is kept. A password under
 * the same service that is not such an envelope (written by another program) reads as a string. An
 * envelope of ours that does not decode reads as STORE_CORRUPT, and a listing skips it with a warning
 * on stderr instead of failing for the whole vault.
 *
 * Listing uses the library's search by service (Secret Service search on Linux, a keychain query on
 * macOS, CredEnumerate on Windows). On Linux the entries are pinned to the Secret Service: the
 * library's silent fallback to the kernel keyring (memory only, lost on reboot) is refused.
 *
 * The native addon loads on the first call, so runtimes without it still start.
 */
import { metadataFromJson, metadataToJson, secretFromJson, secretToJson } from "../../core/envelope.ts";
import { secretExists, SecretManagementError, secretNotFound, storeCorrupt } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { withLock } from "../../core/lock.ts";
import { readParameters } from "../../core/parameters.ts";
import { joinPath } from "../../core/paths.ts";
import {
  type JsonValue,
  type Metadata,
  nameKey,
  SECRET_TYPES,
  type SecretType,
  type SecretValue,
} from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";

type Keyring = typeof import("@napi-rs/keyring");

interface Stored {
  name: string;
  type: SecretType;
  value: SecretValue;
  metadata: Metadata;
}

let loading: Promise<Keyring> | undefined;

function loadKeyring(): Promise<Keyring> {
  loading ??= import("@napi-rs/keyring").then(
    // A CommonJS addon: Node exposes its exports as the namespace, Deno and Bun also as `default`.
    (module) => (module as unknown as { default?: Keyring }).default ?? module,
    (error: unknown) => {
      loading = undefined;
      throw new SecretManagementError(
        "VAULT_UNAVAILABLE",
        `the native addon @napi-rs/keyring cannot be loaded here (${(error as Error)?.message ?? String(error)})`,
        { cause: error },
      );
    },
  );
  return loading;
}

/** On Linux the store is reached over the D-Bus session bus; say plainly when there is none. */
function checkSessionBus(context: VaultContext): void {
  if (context.runtime.platform !== "linux") return;
  if (context.runtime.env("DBUS_SESSION_BUS_ADDRESS")) return;
  const runtimeDir = context.runtime.env("XDG_RUNTIME_DIR");
  if (runtimeDir && context.runtime.fs?.stat(`${runtimeDir}/bus`)) return; // libdbus's default address
  throw new SecretManagementError(
    "VAULT_UNAVAILABLE",
    "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset and no $XDG_RUNTIME_DIR/bus), so no Secret Service",
  );
}

function unavailable(error: unknown, what: string): SecretManagementError {
  if (error instanceof SecretManagementError) return error;
  const message = (error as Error)?.message ?? String(error);
  return new SecretManagementError("VAULT_UNAVAILABLE", `OS keyring: ${what} failed: ${message}`, { cause: error });
}

function encode(name: string, value: SecretValue, metadata: Metadata): string {
  return JSON.stringify({ ...secretToJson(value), name, metadata: metadataToJson(metadata) });
}

/** Our envelope, or a foreign password read as a string; STORE_CORRUPT for an envelope of ours that does not decode. */
function decode(account: string, password: string): Stored {
  let parsed: { type?: unknown; value?: JsonValue; name?: unknown; metadata?: unknown } | undefined;
  try {
    parsed = JSON.parse(password);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== "object" || parsed === null || !SECRET_TYPES.includes(parsed.type as SecretType) ||
    typeof parsed.name !== "string"
  ) {
    return { name: account, type: "string", value: password, metadata: {} };
  }
  try {
    return {
      name: parsed.name,
      type: parsed.type as SecretType,
      value: secretFromJson(parsed.type, parsed.value ?? null),
      metadata: parsed.metadata === undefined ? {} : metadataFromJson(parsed.metadata),
    };
  } catch (error) {
    // The value is not repeated: only which entry it is.
    throw storeCorrupt(`OS keyring entry "${account}"`, "it is a secretmanagement envelope that does not decode", error);
  }
}

const PARAMETERS = { service: { type: "string" } } as const;
const NO_PASSWORD = "nothing: the Secret Service, Keychain or Credential Manager unlocks with your login";

export default defineVault((context): VaultExtension => {
  const { service: configured } = readParameters(context.vaultName, context.parameters, PARAMETERS, {
    secretKeys: { password: NO_PASSWORD, keyringPassword: NO_PASSWORD },
  });
  const service = configured ?? `secretmanagement:${context.vaultName}`;
  const lockPath = joinPath(context.runtime, context.home, `os-keyring-${nameKey(context.vaultName)}.lock`);

  const keyring = async (): Promise<Keyring> => {
    checkSessionBus(context);
    return loadKeyring();
  };

  const entry = async (name: string) => {
    const { AsyncEntry } = await keyring();
    try {
      return new AsyncEntry(service, nameKey(name), { linux: { store: "secret-service" } });
    } catch (error) {
      throw unavailable(error, "opening the Secret Service");
    }
  };

  const read = async (name: string): Promise<Stored | undefined> => {
    const item = await entry(name);
    let password: string | null;
    try {
      password = await item.getPassword();
    } catch (error) {
      throw unavailable(error, `reading "${name}"`);
    }
    return password === null ? undefined : decode(nameKey(name), password);
  };

  const write = async (name: string, value: SecretValue, metadata: Metadata): Promise<void> => {
    const item = await entry(name);
    try {
      await item.setPassword(encode(name, value, metadata));
    } catch (error) {
      throw unavailable(error, `writing "${name}"`);
    }
  };

  /** Read-modify-write steps are serialised between processes sharing this home (the store has no compare-and-set). */
  const locked = <T>(work: () => Promise<T>): Promise<T> =>
    context.runtime.fs ? withLock(context.runtime, lockPath, work) : work();


  return {
    capabilities: { metadata: true, types: SECRET_TYPES },

    async getSecret(name) {
      return (await read(name))?.value;
    },

    async setSecret(name, value, metadata, options) {
      await keyring(); // fail on a missing bus or addon before taking the lock
      await locked(async () => {
        const existing = metadata === undefined || options?.noClobber ? await read(name) : undefined;
        if (existing && options?.noClobber) {
          throw secretExists(existing.name);
        }
        await write(name, value, metadata ?? existing?.metadata ?? {});
      });
    },

    async removeSecret(name) {
      const item = await entry(name);
      let removed: boolean;
      try {
        removed = await item.deletePassword();
      } catch (error) {
        throw unavailable(error, `removing "${name}"`);
      }
      if (!removed) throw secretNotFound(name);
    },

    async getSecretInfo(filter) {
      const { findCredentialsAsync } = await keyring();
      let found: { account: string; password: string }[];
      try {
        found = await findCredentialsAsync(service);
      } catch (error) {
        throw unavailable(error, "listing");
      }
      const matches = compileWildcard(filter);
      const infos: VaultSecretInfo[] = [];
      for (const { account, password } of found) {
        let stored: Stored;
        try {
          stored = decode(account, password);
        } catch (error) {
          // One unreadable entry must not hide all the others.
          context.runtime.writeStderr(`warning: vault "${context.vaultName}": ${(error as Error).message}; left out of the listing\n`);
          continue;
        }
        if (matches(stored.name)) infos.push({ name: stored.name, type: stored.type, metadata: stored.metadata });
      }
      return infos;
    },

    async setSecretInfo(name, metadata) {
      await keyring();
      await locked(async () => {
        const existing = await read(name);
        if (!existing) throw secretNotFound(name);
        await write(existing.name, existing.value, metadata);
      });
    },

    async test() {
      const { findCredentialsAsync } = await keyring();
      try {
        await findCredentialsAsync(service);
      } catch (error) {
        throw unavailable(error, "searching the store");
      }
      return true;
    },
  };
});
