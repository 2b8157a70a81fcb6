/**
 * Replaces secret values in a stream of text with `*****`. A secret may be split across chunks, so
 * the longest tail that could begin a secret is held back until the next chunk (or the end) decides.
 * Values shorter than MIN_LENGTH are not masked: masking "1" or "ab" would garble all output.
 */
export const MASK = "*****";
export const MIN_LENGTH = 3;

export class Masker {
  readonly #secrets: string[];
  #pending = "";

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret containing another is masked whole.
    this.#secrets = [...new Set(secrets.filter((secret) => secret.length >= MIN_LENGTH))]
      .sort((a, b) => b.length - a.length);
  }

  push(text: string): string {
    let buffer = this.#pending + text;
    for (const secret of this.#secrets) buffer = buffer.split(secret).join(MASK);
    const hold = this.#heldTail(buffer);
    this.#pending = buffer.slice(buffer.length - hold);
    return buffer.slice(0, buffer.length - hold);
  }

  flush(): string {
    const rest = this.#pending;
    this.#pending = "";
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some secret. */
  #heldTail(buffer: string): number {
    let longest = 0;
    for (const secret of this.#secrets) {
      for (let length = Math.min(secret.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(secret.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
