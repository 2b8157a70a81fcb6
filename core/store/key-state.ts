/**
 * The data key's lifetime in a store object, and the three ways to get it (docs/FORMAT.md,
 * "Unlocking with a password", "Unlocking with a data key", `store.key`). A held key expires after
 * its timeout, lasts one operation (timeout 0), or lives until the process exits (-1); expiry calls
 * the owner's `lock()`, which zeroes it, and a key still held when the process exits is zeroed then.
 */
import { constantTimeEqual, zeroize } from "../crypto/bytes.ts";
import { derivePasswordKey, KEY_LENGTH } from "../crypto/kdf.ts";
import { SecretManagementError } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { corrupt, decodeKeyFile, type Header, headerTaggedBytes, unwrapDataKey } from "./format.ts";
import { StoreKeys } from "./keys.ts";

/** What a KeyState locks when the key expires or the process exits. */
export interface Lockable {
  lock(): void;
}

export class KeyState {
  readonly #runtime: Runtime;
  readonly #owner: Lockable;
  #keys: StoreKeys | undefined;
  /** When the key is dropped (ms since epoch); Infinity = until exit. */
  #expiresAt = 0;
  #singleUse = false;

  constructor(runtime: Runtime, owner: Lockable) {
    this.#runtime = runtime;
    this.#owner = owner;
  }

  /** The keys while they are held and not expired (an expired key is dropped by locking the owner). */
  get current(): StoreKeys | undefined {
    if (this.#keys !== undefined && !this.#singleUse && Date.now() >= this.#expiresAt) this.#owner.lock();
    return this.#keys;
  }

  /** The keys held, without the expiry check (inside an operation that checked it when it started). */
  get held(): StoreKeys | undefined {
    return this.#keys;
  }

  /** Whether the held key lasts one operation only. */
  get singleUse(): boolean {
    return this.#singleUse;
  }

  /** Holds `keys` for `seconds` (0 = one operation, -1 = until exit), dropping any held before. */
  hold(keys: StoreKeys, seconds: number): void {
    this.forget();
    this.#keys = keys;
    this.#singleUse = seconds === 0;
    this.#expiresAt = seconds < 0 ? Infinity : Date.now() + seconds * 1000;
    if (!this.#singleUse) {
      const atExit = keysZeroedAtExit(this.#runtime);
      atExit.add(keys);
      droppedStores.register(this.#owner, { keys, atExit }, this);
    }
  }

  /** Zeroes the data key and its subkeys. */
  forget(): void {
    if (this.#keys !== undefined) {
      keysZeroedAtExit(this.#runtime).delete(this.#keys);
      droppedStores.unregister(this);
    }
    this.#keys?.destroy();
    this.#keys = undefined;
    this.#singleUse = false;
    this.#expiresAt = 0;
  }
}

/** The keys `password` unwraps from a password header: WRONG_PASSWORD, or STORE_CORRUPT for a bad tag. */
export async function keysFromPassword(header: Header, password: string): Promise<StoreKeys> {
  const kek = await derivePasswordKey(password, header.salt, header.kdf!);
  const dataKey = unwrapDataKey(kek, header);
  zeroize(kek);
  if (dataKey === undefined) throw wrongPassword();
  const keys = new StoreKeys(dataKey);
  if (!headerTagMatches(keys, header)) {
    keys.destroy();
    throw corrupt("the header does not match its tag");
  }
  return keys;
}

/** The keys of a data key handed over (by the unlock agent): WRONG_PASSWORD unless the header tag verifies. */
export function keysFromDataKey(header: Header, key: Uint8Array): StoreKeys {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) throw wrongPassword();
  const keys = new StoreKeys(key.slice());
  if (!headerTagMatches(keys, header)) {
    keys.destroy();
    throw wrongPassword();
  }
  return keys;
}

/** The keys of a no-password store's key file (zeroed here), which must belong to `header`. */
export function keysFromKeyFile(header: Header, bytes: Uint8Array): StoreKeys {
  const { storeId, dataKey } = decodeKeyFile(bytes);
  zeroize(bytes);
  const keys = new StoreKeys(dataKey);
  if (!constantTimeEqual(storeId, header.storeId) || !headerTagMatches(keys, header)) {
    keys.destroy();
    throw corrupt("the key file does not belong to this store's header");
  }
  return keys;
}

function headerTagMatches(keys: StoreKeys, header: Header): boolean {
  return constantTimeEqual(keys.headerTag(headerTaggedBytes(header.bytes)), header.tag);
}

function wrongPassword(): SecretManagementError {
  return new SecretManagementError("WRONG_PASSWORD", "the password does not unlock this SecretStore");
}

/**
 * Keys held when the process exits are zeroed by one exit hook per runtime. The hook holds the keys,
 * never their store, so a store the program dropped is collected, and its keys are then zeroed and
 * let go too. (Not WeakRefs to the stores: creating or dereferencing one keeps its target alive until
 * the current job ends, and a program that opens stores in a loop of awaits never ends it.)
 */
const keysAtExit = new WeakMap<Runtime, Set<StoreKeys>>();
const droppedStores = new FinalizationRegistry<{ keys: StoreKeys; atExit: Set<StoreKeys> }>(({ keys, atExit }) => {
  atExit.delete(keys);
  keys.destroy();
});

function keysZeroedAtExit(runtime: Runtime): Set<StoreKeys> {
  let keys = keysAtExit.get(runtime);
  if (keys === undefined) {
    const held = new Set<StoreKeys>();
    runtime.onExit(() => {
      for (const each of held) each.destroy();
      held.clear();
    });
    keysAtExit.set(runtime, held);
    keys = held;
  }
  return keys;
}
