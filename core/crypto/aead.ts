/**
 * The store's symmetric primitives: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 over RFC 8439)
 * for records and the wrapped data key, and HMAC-SHA-256 (RFC 2104) for subkeys, the name index
 * and the header tag. Opening returns undefined on any authentication failure and never yields
 * unauthenticated bytes.
 */
import { hchacha, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Aead } from "../runtime.ts";

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

/**
 * HMAC-SHA-256 reused for many messages: the key's inner and outer states are computed once and
 * copied into one scratch instance per message (no allocation; this runs on every lookup).
 */
export class KeyedHash {
  readonly #base: ReturnType<typeof hmac.create>;
  readonly #scratch: ReturnType<typeof hmac.create>;
  readonly #out = new Uint8Array(32);
  constructor(key: Uint8Array) {
    this.#base = hmac.create(sha256, key);
    this.#scratch = hmac.create(sha256, key);
  }
  digest(message: Uint8Array): Uint8Array {
    this.#base._cloneInto(this.#scratch).update(message).digestInto(this.#out);
    return this.#out.slice();
  }
  destroy(): void {
    this.#base.destroy();
    this.#scratch.destroy();
    this.#out.fill(0);
  }
}

/**
 * XChaCha20-Poly1305 over a platform ChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3): the
 * subkey is HChaCha20(key, nonce[0..16]) and the inner nonce is four zero bytes || nonce[16..24].
 * The output is byte-identical to `seal`/`open` above.
 */
export function xchachaOver(inner: Aead): { seal: typeof seal; open: typeof open } {
  const withSubkey = <T>(key: Uint8Array, nonce: Uint8Array, work: (subkey: Uint8Array, innerNonce: Uint8Array) => T): T => {
    const subkey = hchacha20(key, nonce.subarray(0, 16));
    const innerNonce = new Uint8Array(12);
    innerNonce.set(nonce.subarray(16, 24), 4);
    try {
      return work(subkey, innerNonce);
    } finally {
      subkey.fill(0);
    }
  };
  return {
    seal: (key, nonce, plaintext, associatedData) =>
      withSubkey(key, nonce, (subkey, innerNonce) => inner.seal(subkey, innerNonce, plaintext, associatedData)),
    open: (key, nonce, ciphertext, associatedData) =>
      withSubkey(key, nonce, (subkey, innerNonce) => inner.open(subkey, innerNonce, ciphertext, associatedData)),
  };
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"
// Scratch space reused across calls (allocations dominate at this size); zeroed after each use.
const keyWords = new Uint32Array(8);
const nonceWords = new Uint32Array(4);
const outWords = new Uint32Array(8);

function loadLittleEndian(bytes: Uint8Array, words: Uint32Array): void {
  for (let i = 0; i < words.length; i++) {
    const j = 4 * i;
    words[i] = (bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24)) >>> 0;
  }
}

function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  loadLittleEndian(key, keyWords);
  loadLittleEndian(nonce16, nonceWords);
  hchacha(SIGMA, keyWords, nonceWords, outWords);
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const word = outWords[i]!;
    bytes[4 * i] = word;
    bytes[4 * i + 1] = word >>> 8;
    bytes[4 * i + 2] = word >>> 16;
    bytes[4 * i + 3] = word >>> 24;
  }
  keyWords.fill(0);
  outWords.fill(0);
  return bytes;
}
