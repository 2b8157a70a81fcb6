/**
 * ChaCha20-Poly1305 (RFC 8439) from `node:crypto`, for Node and Deno: several times faster than
 * JavaScript for the SecretStore's per-record seal and open. Bun's `node:crypto` lacks this cipher,
 * so the Bun adapter leaves it out and core uses @noble/ciphers. The module is passed in so that
 * Deno can fetch it only when a store first needs it (loading it starts Deno's Node layer, ~30 ms).
 */
import type * as NodeCrypto from "node:crypto";
import type { Aead } from "../../core/runtime.ts";

export type CipherModule = Pick<typeof NodeCrypto, "createCipheriv" | "createDecipheriv" | "getCiphers">;

const TAG_LENGTH = 16;

function available(getCiphers: CipherModule["getCiphers"]): boolean {
  try {
    return getCiphers().includes("chacha20-poly1305");
  } catch {
    return false;
  }
}

export function chaCha20Poly1305From({ createCipheriv, createDecipheriv, getCiphers }: CipherModule): Aead | undefined {
  return available(getCiphers) ? {
    seal(key, nonce, plaintext, associatedData) {
      const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
      cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      const out = new Uint8Array(head.length + tail.length + TAG_LENGTH);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(cipher.getAuthTag(), head.length + tail.length);
      return out;
    },
    open(key, nonce, sealed, associatedData) {
      if (sealed.length < TAG_LENGTH) return undefined;
      const end = sealed.length - TAG_LENGTH;
      try {
        const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
        decipher.setAAD(associatedData, { plaintextLength: end });
        decipher.setAuthTag(sealed.subarray(end));
        const head = decipher.update(sealed.subarray(0, end));
        const tail = decipher.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        head.fill(0);
        return out;
      } catch {
        return undefined;
      }
    },
  } : undefined;
}

/**
 * `Runtime.chacha20poly1305` as a getter body: `node:crypto` is loaded when a store first asks for
 * it rather than at start-up, which one-shot commands feel (on Deno it starts the Node layer).
 */
export function platformAeadLoader(loadCrypto: () => CipherModule): () => Aead | undefined {
  let loaded: { aead: Aead | undefined } | undefined;
  return () => (loaded ??= { aead: chaCha20Poly1305From(loadCrypto()) }).aead;
}
