/**
 * `store.header` (docs/FORMAT.md): the decoded header this object last read, re-read when the file
 * changes, and the tagged header bytes a writer puts in its place. Replacing the file is the store
 * directory's (under the lock); `reload` then reads back what was written.
 */
import { NONCE_LENGTH } from "../crypto/aead.ts";
import { constantTimeEqual, randomBytes, zeroize } from "../crypto/bytes.ts";
import { derivePasswordKey, type KdfParams, kdfParamsProblem, SALT_LENGTH } from "../crypto/kdf.ts";
import { SecretManagementError } from "../errors.ts";
import type { FileSystem } from "../runtime.ts";
import {
  corrupt,
  decodeHeader,
  encodeHeaderBody,
  encodeNoPasswordHeaderBody,
  encodePasswordHeaderBody,
  type Header,
  headerTaggedBytes,
  setHeaderTag,
  setWrappedKey,
  type StoreConfig,
  wrapDataKey,
} from "./format.ts";
import type { StoreKeys } from "./keys.ts";
import { type FileStamp, sameStamp, stampOf } from "./directory.ts";

export class HeaderFile {
  readonly path: string;
  readonly #fs: FileSystem;
  readonly #directory: string;
  /** Called when the header goes away or names another store id (a reset elsewhere): the key no longer fits. */
  readonly #onReplaced: () => void;
  #header: Header | undefined;
  #stamp: FileStamp | undefined;

  constructor(fs: FileSystem, path: string, directory: string, onReplaced: () => void) {
    this.#fs = fs;
    this.path = path;
    this.#directory = directory;
    this.#onReplaced = onReplaced;
  }

  /** The header, re-read if its file changed; undefined when there is no store yet. */
  read(): Header | undefined {
    this.refresh();
    return this.#header;
  }

  require(): Header {
    const header = this.read();
    if (header === undefined) {
      throw new SecretManagementError("VAULT_UNAVAILABLE", `there is no SecretStore in ${this.#directory} yet`);
    }
    return header;
  }

  /** The header last read, without looking at the file. */
  get known(): Header | undefined {
    return this.#header;
  }

  /** Re-reads the header when its file changed; a different store id (a reset elsewhere) calls `onReplaced`. */
  refresh(): void {
    const info = this.#fs.stat(this.path);
    if (sameStamp(this.#stamp, info)) return;
    if (info === undefined) {
      this.forget();
      this.#onReplaced();
      return;
    }
    if (!info.isFile) throw corrupt(`${this.path} is not a file`);
    const bytes = this.#fs.readFile(this.path);
    if (bytes === undefined) {
      this.forget();
      this.#onReplaced();
      return;
    }
    const header = decodeHeader(bytes);
    const kdfProblem = header.kdf && kdfParamsProblem(header.kdf);
    if (kdfProblem) throw corrupt(`the header's ${kdfProblem}`);
    if (this.#header !== undefined && !constantTimeEqual(this.#header.storeId, header.storeId)) this.#onReplaced();
    this.#header = header;
    this.#stamp = stampOf(info);
  }

  /** Reads the file again, whatever its stamp (after this process replaced it). */
  reload(): void {
    this.#stamp = undefined;
    this.refresh();
  }

  /** Forgets what was read (a store that failed to be written). */
  forget(): void {
    this.#header = undefined;
    this.#stamp = undefined;
  }
}

/** `body` with its tag under `keys` filled in. */
function tagHeader(keys: StoreKeys, body: Uint8Array): Uint8Array {
  setHeaderTag(body, keys.headerTag(headerTaggedBytes(body)));
  return body;
}

/** A tagged header that needs no password: the wrapped key (if any) is kept from `previous`. */
export function configHeader(keys: StoreKeys, config: StoreConfig, storeId: Uint8Array, previous: Header | undefined): Uint8Array {
  const body = config.authentication === "password"
    ? encodeHeaderBody({ ...previous!, config, storeId })
    : encodeNoPasswordHeaderBody(config, storeId);
  return tagHeader(keys, body);
}

/** A whole, tagged header whose data key is wrapped under `password` (new salt and nonce). */
export async function passwordHeader(
  keys: StoreKeys,
  config: StoreConfig,
  storeId: Uint8Array,
  password: string,
  kdf: KdfParams,
): Promise<Uint8Array> {
  const salt = randomBytes(SALT_LENGTH);
  const wrapNonce = randomBytes(NONCE_LENGTH);
  const body = encodePasswordHeaderBody(config, storeId, { ...kdf }, salt, wrapNonce);
  const kek = await derivePasswordKey(password, salt, kdf);
  setWrappedKey(body, wrapDataKey(kek, wrapNonce, keys.dataKey, body));
  zeroize(kek);
  return tagHeader(keys, body);
}
