/**
 * Standard base64 (RFC 4648 §4), strict on input. Decoding walks the text once with a lookup table:
 * a regular expression over the whole input overflows V8's stack from a few million characters
 * (and gives wrong answers on Bun), and values of several MiB are ordinary.
 */
import { SecretManagementError } from "./errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The 6-bit value of each ASCII character code, -1 for characters outside the alphabet. */
const SEXTETS = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function invalid(): SecretManagementError {
  return new SecretManagementError("INVALID_ARGUMENT", "invalid base64");
}

/** Decodes padded base64; anything else (a wrong length, a character outside the alphabet, misplaced `=`) is refused. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw invalid();
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const end = text.length - padding;
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  let buffer = 0; // the bits read but not yet written, at most 12 of them
  let bits = 0;
  let written = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const sextet = code < 128 ? SEXTETS[code]! : -1;
    if (sextet < 0) throw invalid();
    buffer = ((buffer << 6) | sextet) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[written++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}
