/**
 * How secrets map onto KeePass entries, and how names find entries.
 *
 * Values (field names as KeePass spells them):
 *   string     → Password; UserName empty
 *   credential → UserName + Password
 *   bytes      → attachment "value.bin"
 *   map        → one protected custom field per string or credential item (a credential item holds
 *                `{"username","password"}` JSON and its key is listed in `secretmanagement.credentials`),
 *                one attachment per bytes item, named by its key
 * The type is kept in the custom field `secretmanagement.type`; an entry without it (made by another
 * program) reads as a credential when UserName is set, else as a string.
 *
 * Metadata: `notes` ↔ Notes, `url` ↔ URL, `tags` ↔ Tags (strings only), any other key ↔ custom field
 * `meta.<key>`, typed as in core/tags.ts (`n:3`, `b:true`, `d:<ISO date>`; a string is stored as is
 * unless it starts with one of those prefixes, then as `s:<string>`).
 */
import type * as Kdbxweb from "kdbxweb";
import { decodeTagValue, encodeTagValue } from "../../core/tags.ts";
import { SecretManagementError, storeCorrupt } from "../../core/errors.ts";
import {
  type Credential,
  isCredential,
  type Metadata,
  nameKey,
  type SecretMap,
  type SecretType,
  secretTypeOf,
  type SecretValue,
} from "../../core/types.ts";
import type { KdbxModule } from "./kdbxweb.ts";

export const TYPE_FIELD = "secretmanagement.type";
export const CREDENTIALS_FIELD = "secretmanagement.credentials";
export const BYTES_ATTACHMENT = "value.bin";
const META_PREFIX = "meta.";
const OWN_PREFIX = "secretmanagement.";
const STANDARD_FIELDS = ["Title", "UserName", "Password", "URL", "Notes"];
const STANDARD_METADATA: Record<string, string> = { notes: "Notes", url: "URL" };

type Entry = Kdbxweb.KdbxEntry;
type Group = Kdbxweb.KdbxGroup;

export interface Located {
  entry: Entry;
  /** `Group/Sub/Title`, relative to the root group. */
  path: string;
  title: string;
}

/** Keeps a leading U+FEFF, which ProtectedValue#getText (a default TextDecoder) drops as a byte order mark. */
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

function text(field: Kdbxweb.KdbxEntryField | undefined): string {
  if (field === undefined) return "";
  return typeof field === "string" ? field : UTF8.decode(field.getBinary());
}

/**
 * Characters XML 1.0 cannot carry, raw or escaped: C0 controls other than tab, line feed and
 * carriage return, and U+FFFE/U+FFFF. KeePassXC refuses a whole file that holds one in plain text.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** A surrogate without its pair: no UTF-8 text, so no KDBX file, protected or not, can hold it. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function cannotHold(what: string, characters: string): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", `${what} contains ${characters}, which a KeePass file cannot hold`);
}

/** INVALID_ARGUMENT naming `what` (never the text, which may be secret) unless a protected field can hold `text`. */
function checkUnicode(text: string, what: string): void {
  if (LONE_SURROGATE.test(text)) throw cannotHold(what, "a lone surrogate");
}

/** INVALID_ARGUMENT naming `what` unless a plain (unprotected) field or a field name can hold `text`. */
export function checkXmlText(text: string, what: string): void {
  checkUnicode(text, what);
  if (NOT_XML.test(text)) {
    throw cannotHold(what, "a control character (other than tab, line feed and carriage return) or U+FFFE/U+FFFF");
  }
}

function corrupt(located: Located, what: string): SecretManagementError {
  return storeCorrupt(`KeePass entry "${located.path}"`, what);
}

// ---- names ----

function isRecycleBin(db: Kdbxweb.Kdbx, group: Group): boolean {
  const bin = db.meta.recycleBinUuid;
  return db.meta.recycleBinEnabled === true && bin !== undefined && group.uuid.equals(bin);
}

/** Every entry outside the recycle bin, with its path. */
export function visibleEntries(db: Kdbxweb.Kdbx): Located[] {
  const found: Located[] = [];
  const walk = (group: Group, prefix: string) => {
    for (const entry of group.entries) {
      const title = text(entry.fields.get("Title"));
      if (title !== "") found.push({ entry, title, path: prefix + title });
    }
    for (const child of group.groups) {
      if (!isRecycleBin(db, child)) walk(child, `${prefix}${child.name ?? ""}/`);
    }
  };
  walk(db.getDefaultGroup(), "");
  return found;
}

/** The entry a name means: its title or its full path, case-insensitively; AMBIGUOUS_NAME when several. */
export function findEntry(db: Kdbxweb.Kdbx, name: string): Located | undefined {
  const key = nameKey(name);
  const matches = visibleEntries(db).filter((item) => nameKey(item.title) === key || nameKey(item.path) === key);
  if (matches.length > 1) {
    throw new SecretManagementError(
      "AMBIGUOUS_NAME",
      `"${name}" matches ${matches.length} KeePass entries: ${matches.map((item) => item.path).join(", ")}; use the full path`,
    );
  }
  return matches[0];
}

/** The name shown for each entry: its title, or its full path when another entry has the same title. */
export function displayNames(entries: Located[]): Map<Located, string> {
  const count = new Map<string, number>();
  for (const item of entries) count.set(nameKey(item.title), (count.get(nameKey(item.title)) ?? 0) + 1);
  return new Map(entries.map((item) => [item, count.get(nameKey(item.title))! > 1 ? item.path : item.title]));
}

/** The group at `path` (`A/B`, relative to the root), created when `create` is set. */
export function groupAt(db: Kdbxweb.Kdbx, path: string, create: boolean): Group | undefined {
  let group = db.getDefaultGroup();
  for (const part of path.split("/").filter((part) => part !== "")) {
    let next = group.groups.find((child) => nameKey(child.name ?? "") === nameKey(part) && !isRecycleBin(db, child));
    if (!next) {
      if (!create) return undefined;
      next = db.createGroup(group, part);
    }
    group = next;
  }
  return group;
}

// ---- values ----

function attachmentBytes(db: Kdbxweb.Kdbx, kdbxweb: KdbxModule, binary: unknown): Uint8Array | undefined {
  let value = binary as Kdbxweb.KdbxBinaryOrRef | Kdbxweb.KdbxBinaryWithHash | undefined;
  if (kdbxweb.KdbxBinaries.isKdbxBinaryRef(value as Kdbxweb.KdbxBinaryOrRef)) {
    value = db.binaries.getByRef(value as Kdbxweb.KdbxBinaryRef);
  }
  if (kdbxweb.KdbxBinaries.isKdbxBinaryWithHash(value)) value = value.value;
  if (value instanceof kdbxweb.ProtectedValue) return value.getBinary().slice();
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return undefined;
}

export function typeOfEntry(located: Located): SecretType {
  const recorded = text(located.entry.fields.get(TYPE_FIELD));
  if (recorded === "") return text(located.entry.fields.get("UserName")) === "" ? "string" : "credential";
  if (recorded === "string" || recorded === "bytes" || recorded === "credential" || recorded === "map") return recorded;
  throw corrupt(located, `unknown ${TYPE_FIELD} "${recorded}"`);
}

function isValueField(name: string): boolean {
  return !STANDARD_FIELDS.includes(name) && !name.startsWith(META_PREFIX) && !name.startsWith(OWN_PREFIX);
}

function credentialKeys(located: Located): string[] {
  const listed = text(located.entry.fields.get(CREDENTIALS_FIELD));
  if (listed === "") return [];
  try {
    const keys: unknown = JSON.parse(listed);
    if (Array.isArray(keys) && keys.every((key) => typeof key === "string")) return keys;
  } catch {
    // reported below
  }
  throw corrupt(located, `${CREDENTIALS_FIELD} is not a JSON list of field names`);
}

export function readValue(db: Kdbxweb.Kdbx, kdbxweb: KdbxModule, located: Located): SecretValue {
  const { entry } = located;
  switch (typeOfEntry(located)) {
    case "string":
      return text(entry.fields.get("Password"));
    case "credential":
      return { username: text(entry.fields.get("UserName")), password: text(entry.fields.get("Password")) };
    case "bytes": {
      const bytes = attachmentBytes(db, kdbxweb, entry.binaries.get(BYTES_ATTACHMENT));
      if (!bytes) throw corrupt(located, `attachment ${BYTES_ATTACHMENT} is missing`);
      return bytes;
    }
    case "map": {
      const credentials = credentialKeys(located);
      const map: SecretMap = {};
      for (const [name, field] of entry.fields) {
        if (!isValueField(name)) continue;
        map[name] = credentials.includes(name) ? parseCredential(located, name, text(field)) : text(field);
      }
      for (const [name, binary] of entry.binaries) {
        const bytes = attachmentBytes(db, kdbxweb, binary);
        if (!bytes) throw corrupt(located, `attachment ${name} is missing`);
        map[name] = bytes;
      }
      return map;
    }
  }
}

function parseCredential(located: Located, key: string, json: string): Credential {
  try {
    const value: unknown = JSON.parse(json);
    if (isCredential(value)) return { username: value.username, password: value.password };
  } catch {
    // reported below
  }
  throw corrupt(located, `field "${key}" does not hold a {username, password} credential`);
}

/**
 * INVALID_ARGUMENT for text no KeePass file can hold (see checkXmlText; values are protected, so only
 * lone surrogates are refused there), UNSUPPORTED for map keys that cannot be custom fields next to ours.
 */
export function checkValue(value: SecretValue): void {
  const type = secretTypeOf(value);
  if (typeof value === "string") checkUnicode(value, "the value");
  if (type === "credential") {
    checkUnicode((value as Credential).username, "the username");
    checkUnicode((value as Credential).password, "the password");
  }
  if (type !== "map") return;
  for (const [key, item] of Object.entries(value as SecretMap)) {
    checkXmlText(key, `map key ${JSON.stringify(key)}`);
    if (typeof item === "string") checkUnicode(item, `map item ${JSON.stringify(key)}`);
    const reserved = STANDARD_FIELDS.some((field) => nameKey(field) === nameKey(key)) ||
      key.startsWith(META_PREFIX) || key.startsWith(OWN_PREFIX) || key === "";
    if (reserved) {
      throw new SecretManagementError(
        "UNSUPPORTED",
        `map key "${key}" cannot be a KeePass custom field (empty, a standard field, or starting with "${META_PREFIX}" or "${OWN_PREFIX}")`,
      );
    }
  }
}

/** Replaces the entry's value: UserName, Password, value custom fields and attachments. */
export async function writeValue(db: Kdbxweb.Kdbx, kdbxweb: KdbxModule, entry: Entry, value: SecretValue): Promise<void> {
  const type = secretTypeOf(value);
  const protect = (secret: string) => kdbxweb.ProtectedValue.fromString(secret);
  for (const name of [...entry.fields.keys()]) {
    if (isValueField(name) || name === CREDENTIALS_FIELD) entry.fields.delete(name);
  }
  entry.binaries.clear();
  entry.fields.set("UserName", "");
  entry.fields.set("Password", protect(""));
  entry.fields.set(TYPE_FIELD, type);
  const attach = async (name: string, bytes: Uint8Array) => {
    entry.binaries.set(name, await db.createBinary(kdbxweb.ProtectedValue.fromBinary(toArrayBuffer(bytes))));
  };
  if (typeof value === "string") {
    entry.fields.set("Password", protect(value));
  } else if (value instanceof Uint8Array) {
    await attach(BYTES_ATTACHMENT, value);
  } else if (type === "credential") {
    const credential = value as Credential;
    // A username XML cannot carry in plain text is stored protected (encrypted), which holds any text.
    const plain = !NOT_XML.test(credential.username);
    entry.fields.set("UserName", plain ? credential.username : protect(credential.username));
    entry.fields.set("Password", protect(credential.password));
  } else {
    const credentials: string[] = [];
    for (const [key, item] of Object.entries(value as SecretMap)) {
      if (typeof item === "string") {
        entry.fields.set(key, protect(item));
      } else if (item instanceof Uint8Array) {
        await attach(key, item);
      } else {
        entry.fields.set(key, protect(JSON.stringify({ username: item.username, password: item.password })));
        credentials.push(key);
      }
    }
    if (credentials.length > 0) entry.fields.set(CREDENTIALS_FIELD, JSON.stringify(credentials));
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

// ---- metadata ----

const TYPED_PREFIX = /^[snbd]:/;

export function readMetadata(located: Located): Metadata {
  const { entry } = located;
  const metadata: Metadata = {};
  for (const [key, field] of Object.entries(STANDARD_METADATA)) {
    const value = text(entry.fields.get(field));
    if (value !== "") metadata[key] = value;
  }
  if (entry.tags.length > 0) metadata.tags = entry.tags.join(",");
  for (const [name, field] of entry.fields) {
    if (name.startsWith(META_PREFIX)) metadata[name.slice(META_PREFIX.length)] = decodeTagValue(text(field));
  }
  return metadata;
}

/** The fields `metadata` becomes, checked before anything is changed. */
export function metadataFields(metadata: Metadata): { fields: Map<string, string>; tags: string[] } {
  const fields = new Map<string, string>();
  let tags: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    checkXmlText(key, `metadata key ${JSON.stringify(key)}`);
    if (typeof value === "string") checkXmlText(value, `metadata "${key}"`);
    const standard = STANDARD_METADATA[key];
    if (standard !== undefined || key === "tags") {
      if (typeof value !== "string") {
        throw new SecretManagementError("INVALID_ARGUMENT", `metadata "${key}" must be a string in a KeePass vault`);
      }
      if (standard !== undefined) fields.set(standard, value);
      else tags = value.split(/[;,:]/).map((tag) => tag.trim()).filter((tag) => tag !== ""); // as kdbxweb reads them
    } else {
      const encoded = typeof value === "string" && !TYPED_PREFIX.test(value) ? value : encodeTagValue(value);
      fields.set(META_PREFIX + key, encoded);
    }
  }
  return { fields, tags };
}

export function writeMetadata(entry: Entry, planned: { fields: Map<string, string>; tags: string[] }): void {
  for (const name of [...entry.fields.keys()]) {
    if (name.startsWith(META_PREFIX)) entry.fields.delete(name);
  }
  for (const field of Object.values(STANDARD_METADATA)) entry.fields.set(field, "");
  for (const [name, value] of planned.fields) entry.fields.set(name, value);
  entry.tags = planned.tags;
}
