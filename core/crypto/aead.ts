/**
 * The store's symmetric primitives: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 over RFC 8439)
 * for records and the wrapped data key, and HMAC-SHA-256 (RFC 2104) for subkeys, the name index
 * and the header tag. Opening returns undefined on any authentication failure and never yields
 * unauthenticated bytes.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export const NONCE_LENGTH = 24;
export const TAG_LENGTH = 16;

export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Uint8Array,
): Uint8Array | undefined {
  if (ciphertext.length < TAG_LENGTH) return undefined;
  try {
    return xchacha20poly1305(key, nonce, associatedData).decrypt(ciphertext);
  } catch {
    return undefined;
  }
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
}

/** A keyed hash reused for many messages: the key's inner and outer states are computed once. */
export class KeyedHash {
  readonly #base: ReturnType<typeof hmac.create>;
  constructor(key: Uint8Array) {
    this.#base = hmac.create(sha256, key);
  }
  digest(message: Uint8Array): Uint8Array {
    return this.#base.clone().update(message).digest();
  }
  destroy(): void {
    this.#base.destroy();
  }
}
