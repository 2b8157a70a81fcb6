/**
 * The two KV engines behind one small interface. Paths given here are already relative to the
 * mount, URL-encoded per segment.
 *
 * KV v2 keeps our type name and the metadata in the key's `custom_metadata` (string values, typed
 * by core/tags.ts prefixes), which belongs to the key across versions, as Vault models it. A write
 * reads the key's current version and writes with check-and-set on it (so a delayed write cannot
 * land over a newer one), then writes the custom_metadata only when it must change (the write's
 * answer carries it). `noClobber` writes with `cas: 0`, so of two writers creating the same key
 * exactly one succeeds.
 *
 * KV v1 has no metadata and no check-and-set: the type and metadata are reserved data fields, and
 * `noClobber` is a read then a write, so two writers racing inside that gap can both succeed.
 */
import { SecretManagementError } from "../../core/errors.ts";
import { TYPE_TAG, typeFromTag } from "../../core/envelope.ts";
import { httpStatusOf } from "../../core/http.ts";
import { metadataToTags, type Tags } from "../../core/tags.ts";
import type { JsonValue, Metadata, SecretType } from "../../core/types.ts";
import type { VaultClient } from "./client.ts";
import { inferType, type KvData, METADATA_KEY, RESERVED_KEYS } from "./values.ts";

export interface StoredSecret {
  data: KvData;
  type: SecretType | undefined;
  tags: Tags;
}

export interface Described {
  /** Undefined when written by another tool (the caller reads the data to infer it). */
  type: SecretType | undefined;
  tags: Tags;
}

export interface KvEngine {
  readonly version: 1 | 2;
  read(path: string): Promise<StoredSecret | undefined>;
  /** Type and metadata without the value where the engine allows (v2: the metadata endpoint). */
  describe(path: string): Promise<Described | undefined>;
  /** `tags` undefined keeps the key's metadata. False (nothing written) when `noClobber` and the key exists. */
  write(path: string, data: KvData, type: SecretType, tags: Tags | undefined, noClobber: boolean): Promise<boolean>;
  /** Replaces the metadata; false when there is no such secret. */
  setTags(path: string, tags: Tags): Promise<boolean>;
  /** False when there is no such secret. */
  remove(path: string): Promise<boolean>;
  /** The keys of a folder (`dir` empty or ending in "/"); folders end in "/". */
  list(dir: string): Promise<string[]>;
}

/** Metadata as string tags, refusing our reserved keys (the type tag, the v1 metadata field). */
export function tagsFor(metadata: Metadata): Tags {
  return metadataToTags(metadata, RESERVED_KEYS);
}

function stringRecord(json: JsonValue | undefined): Tags {
  const record: Tags = {};
  if (typeof json !== "object" || json === null || Array.isArray(json)) return record;
  for (const [key, value] of Object.entries(json)) if (typeof value === "string") record[key] = value;
  return record;
}

function withoutType(tags: Tags): Tags {
  const { [TYPE_TAG]: _type, ...rest } = tags;
  return rest;
}

function sameTags(a: Tags, b: Tags): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * A success whose body lacks what Vault always sends there: not Vault answering (a proxy, a stub,
 * a misrouted request), so neither "not found" nor "done".
 */
function unexpectedAnswer(client: VaultClient, method: string, path: string, lacking: string): SecretManagementError {
  return new SecretManagementError(
    "VAULT_UNAVAILABLE",
    `${method} ${client.address}/v1/${path} answered success without ${lacking}: is something other than Vault answering?`,
  );
}

const isObject = (value: unknown): value is { [key: string]: JsonValue } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function listKeys(client: VaultClient, path: string): Promise<string[]> {
  const reply = await client.call("GET", `${path}?list=true`);
  if (reply.status === 404) return [];
  const keys = reply.body.data?.keys;
  if (!Array.isArray(keys)) throw unexpectedAnswer(client, "LIST", path, "data.keys");
  return keys.filter((key): key is string => typeof key === "string");
}

// Vault's limits on custom_metadata, checked before anything is written.
const MAX_CUSTOM_KEYS = 64;
const MAX_KEY_BYTES = 128;
const MAX_VALUE_BYTES = 512;

function checkCustomMetadata(custom: Tags): void {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const entries = Object.entries(custom);
  const fail = (why: string) =>
    new SecretManagementError("INVALID_ARGUMENT", `KV v2 custom_metadata ${why}`);
  if (entries.length > MAX_CUSTOM_KEYS) throw fail(`holds at most ${MAX_CUSTOM_KEYS - 1} metadata entries here`);
  for (const [key, value] of entries) {
    if (bytes(key) > MAX_KEY_BYTES) throw fail(`keys are at most ${MAX_KEY_BYTES} bytes ("${key.slice(0, 20)}…")`);
    if (bytes(value) > MAX_VALUE_BYTES) throw fail(`values are at most ${MAX_VALUE_BYTES} bytes (metadata "${key}")`);
  }
}

/** Plain writes re-read the version this many times when other writers keep landing first. */
const MAX_CAS_ATTEMPTS = 5;

function isCasMismatch(error: unknown): boolean {
  const answer = httpStatusOf(error);
  return answer?.status === 400 && answer.errors.some((message) => message.includes("check-and-set"));
}

interface KeyMetadata {
  current_version?: number;
  custom_metadata?: { [key: string]: JsonValue } | null;
  versions?: { [version: string]: { deletion_time?: string; destroyed?: boolean } };
}

/** Whether the key's latest version is live (not soft-deleted, not destroyed). */
function isLive(metadata: KeyMetadata): boolean {
  const latest = metadata.versions?.[String(metadata.current_version ?? 0)];
  return latest !== undefined && !latest.destroyed && !latest.deletion_time;
}

export function kvV2(client: VaultClient, mount: string): KvEngine {
  const dataPath = (path: string) => `${mount}/data/${path}`;
  const metadataPath = (path: string) => `${mount}/metadata/${path}`;

  async function keyMetadata(path: string): Promise<KeyMetadata | undefined> {
    const reply = await client.call("GET", metadataPath(path));
    if (reply.status === 404) return undefined;
    if (!isObject(reply.body.data)) throw unexpectedAnswer(client, "GET", metadataPath(path), "data");
    return reply.body.data as KeyMetadata;
  }

  async function writeData(path: string, data: KvData, cas: number | undefined): Promise<Tags> {
    const body = cas === undefined ? { data } : { options: { cas }, data };
    const reply = await client.call("POST", dataPath(path), body);
    // Vault answers a KV v2 write with the new version's metadata; without it nothing says it was kept.
    if (!isObject(reply.body.data)) throw unexpectedAnswer(client, "POST", dataPath(path), "the new version's data");
    return stringRecord(reply.body.data.custom_metadata);
  }

  /**
   * A plain write, with check-and-set against the version read just before it: a write this client
   * gave up on (a timeout) that a proxy delivers later, after a newer write, then fails at the server
   * instead of overwriting the newer value. A writer that lands between our read and our write only
   * makes us read again (last writer wins, as without cas). A token that may not read metadata writes
   * without cas.
   */
  async function writeLatest(path: string, data: KvData): Promise<Tags> {
    for (let attempt = 1; ; attempt++) {
      let version: number | undefined;
      try {
        version = (await keyMetadata(path))?.current_version ?? 0;
      } catch (error) {
        if (!(error instanceof SecretManagementError) || error.code !== "PERMISSION_DENIED") throw error;
      }
      try {
        return await writeData(path, data, version);
      } catch (error) {
        if (!isCasMismatch(error) || attempt >= MAX_CAS_ATTEMPTS) throw error;
      }
    }
  }

  async function writeCustom(path: string, custom: Tags): Promise<void> {
    await client.call("POST", metadataPath(path), { custom_metadata: custom });
  }

  return {
    version: 2,

    async read(path) {
      const reply = await client.call("GET", dataPath(path));
      // A soft-deleted or destroyed latest version is a 404 too (with its metadata and null data).
      if (reply.status === 404) return undefined;
      const body = reply.body.data;
      if (!isObject(body) || !isObject(body.data)) throw unexpectedAnswer(client, "GET", dataPath(path), "data.data");
      const meta = body.metadata as { custom_metadata?: JsonValue } | undefined;
      const custom = stringRecord(meta?.custom_metadata);
      return { data: body.data as KvData, type: typeFromTag(custom[TYPE_TAG]), tags: withoutType(custom) };
    },

    async describe(path) {
      const metadata = await keyMetadata(path);
      if (!metadata || !isLive(metadata)) return undefined;
      const custom = stringRecord(metadata.custom_metadata);
      return { type: typeFromTag(custom[TYPE_TAG]), tags: withoutType(custom) };
    },

    async write(path, data, type, tags, noClobber) {
      if (tags !== undefined) checkCustomMetadata({ [TYPE_TAG]: type, ...tags });
      let current: Tags;
      try {
        current = noClobber ? await writeData(path, data, 0) : await writeLatest(path, data);
      } catch (error) {
        if (!noClobber || !isCasMismatch(error)) throw error;
        // The key exists; a soft-deleted or destroyed latest version counts as absent, and taking its
        // place is still check-and-set, so a concurrent creator cannot slip in.
        const metadata = await keyMetadata(path);
        if (!metadata || isLive(metadata)) return false;
        try {
          current = await writeData(path, data, metadata.current_version ?? 0);
        } catch (retryError) {
          if (!isCasMismatch(retryError)) throw retryError;
          return false;
        }
      }
      const desired = { ...(tags ?? current), [TYPE_TAG]: type };
      if (tags === undefined) checkCustomMetadata(desired);
      if (!sameTags(desired, current)) await writeCustom(path, desired);
      return true;
    },

    async setTags(path, tags) {
      const described = await this.describe(path);
      if (!described) return false;
      const type = described.type ?? inferType((await this.read(path))?.data ?? {});
      const custom = { [TYPE_TAG]: type, ...tags };
      checkCustomMetadata(custom);
      await writeCustom(path, custom);
      return true;
    },

    async remove(path) {
      const metadata = await keyMetadata(path);
      if (!metadata || !isLive(metadata)) return false;
      await client.call("DELETE", dataPath(path));
      return true;
    },

    list: (dir) => listKeys(client, metadataPath(dir)),
  };
}

/** `remove` destroys every version and the key's metadata (`destroy: true`). */
export function kvV2Destroying(client: VaultClient, mount: string): KvEngine {
  const engine = kvV2(client, mount);
  return {
    ...engine,
    async remove(path) {
      if (!(await engine.describe(path))) return false;
      await client.call("DELETE", `${mount}/metadata/${path}`);
      return true;
    },
  };
}

export function kvV1(client: VaultClient, mount: string): KvEngine {
  const secretPath = (path: string) => `${mount}/${path}`;

  async function read(path: string): Promise<StoredSecret | undefined> {
    const reply = await client.call("GET", secretPath(path));
    if (reply.status === 404) return undefined;
    const data = reply.body.data;
    if (!isObject(data)) throw unexpectedAnswer(client, "GET", secretPath(path), "data");
    return { data, type: typeFromTag(data[TYPE_TAG]), tags: stringRecord(data[METADATA_KEY]) };
  }

  async function put(path: string, data: KvData, type: SecretType, tags: Tags): Promise<void> {
    const body: KvData = { ...data, [TYPE_TAG]: type };
    if (Object.keys(tags).length > 0) body[METADATA_KEY] = tags;
    await client.call("POST", secretPath(path), body);
  }

  return {
    version: 1,
    read,

    async describe(path) {
      const stored = await read(path);
      return stored && { type: stored.type ?? inferType(stored.data), tags: stored.tags };
    },

    async write(path, data, type, tags, noClobber) {
      const existing = tags === undefined || noClobber ? await read(path) : undefined;
      if (noClobber && existing) return false;
      await put(path, data, type, tags ?? existing?.tags ?? {});
      return true;
    },

    async setTags(path, tags) {
      const stored = await read(path);
      if (!stored) return false;
      const own = Object.fromEntries(Object.entries(stored.data).filter(([key]) => !RESERVED_KEYS.includes(key)));
      await put(path, own, stored.type ?? inferType(stored.data), tags);
      return true;
    },

    async remove(path) {
      if (!(await read(path))) return false;
      await client.call("DELETE", secretPath(path));
      return true;
    },

    list: (dir) => listKeys(client, secretPath(dir)),
  };
}
