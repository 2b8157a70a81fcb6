/**
 * The keys a data key unlocks. Each purpose gets its own subkey, HMAC-SHA-256(dataKey, label)
 * (RFC 2104), so the record cipher, the name index and the header tag never share a key.
 */
import { hmacSha256, KeyedHash } from "../crypto/aead.ts";
import { zeroize } from "../crypto/bytes.ts";
import { NAME_HASH_LENGTH } from "./format.ts";

const encoder = new TextEncoder();
export const RECORD_KEY_LABEL = "secretmanagement/store/v1/record";
export const NAME_KEY_LABEL = "secretmanagement/store/v1/name";
export const HEADER_KEY_LABEL = "secretmanagement/store/v1/header";

export function subkey(dataKey: Uint8Array, label: string): Uint8Array {
  return hmacSha256(dataKey, encoder.encode(label));
}

export class StoreKeys {
  readonly dataKey: Uint8Array;
  readonly recordKey: Uint8Array;
  readonly headerKey: Uint8Array;
  readonly #nameKey: Uint8Array;
  readonly #names: KeyedHash;

  /** Takes ownership of `dataKey`: `destroy` zeroes it. */
  constructor(dataKey: Uint8Array) {
    this.dataKey = dataKey;
    this.recordKey = subkey(dataKey, RECORD_KEY_LABEL);
    this.headerKey = subkey(dataKey, HEADER_KEY_LABEL);
    this.#nameKey = subkey(dataKey, NAME_KEY_LABEL);
    this.#names = new KeyedHash(this.#nameKey);
  }

  /** First 16 bytes of HMAC-SHA-256(nameKey, UTF-8(lower-cased name)). */
  nameHash(lowerCasedName: string): Uint8Array {
    return this.#names.digest(encoder.encode(lowerCasedName)).subarray(0, NAME_HASH_LENGTH);
  }

  headerTag(taggedBytes: Uint8Array): Uint8Array {
    return hmacSha256(this.headerKey, taggedBytes);
  }

  destroy(): void {
    this.#names.destroy();
    zeroize(this.dataKey, this.recordKey, this.headerKey, this.#nameKey);
  }
}
