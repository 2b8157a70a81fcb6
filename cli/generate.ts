/**
 * `secret set NAME --generate`: a random password from the OS CSPRNG (`crypto.getRandomValues`),
 * each character drawn uniformly from the chosen classes (rejection sampling, so no character is
 * likelier than another).
 */
import { UsageError } from "./args.ts";

export const CHARACTER_CLASSES: { readonly [name: string]: string } = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  digits: "0123456789",
  symbols: "!#$%&()*+,-./:;<=>?@[]^_{|}~",
  hex: "0123456789abcdef",
};
const GROUPS: { readonly [name: string]: readonly string[] } = {
  letters: ["lower", "upper"],
  alnum: ["lower", "upper", "digits"],
  all: ["lower", "upper", "digits", "symbols"],
};

export const DEFAULT_LENGTH = 32;
export const DEFAULT_CHARSET = "alnum";
const MAX_LENGTH = 4096;

/** The characters of a `--charset` list such as `letters,digits` or `all`. */
export function charsetCharacters(charset: string): string {
  const names = charset.split(",").map((name) => name.trim().toLowerCase()).flatMap((name) => GROUPS[name] ?? [name]);
  const unknown = names.find((name) => !(name in CHARACTER_CLASSES));
  if (unknown !== undefined || names.length === 0) {
    const known = [...Object.keys(CHARACTER_CLASSES), ...Object.keys(GROUPS)].join(", ");
    throw new UsageError(`--charset takes a comma-separated list of ${known}; not "${unknown ?? charset}"`);
  }
  return [...new Set(names.flatMap((name) => [...CHARACTER_CLASSES[name]!]))].join("");
}

export function parseLength(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LENGTH;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_LENGTH) {
    throw new UsageError(`--length must be a whole number from 1 to ${MAX_LENGTH}`);
  }
  return Number(text);
}

export function generatePassword(length: number, characters: string): string {
  // The largest multiple of the alphabet size below 2^32: bytes above it are drawn again.
  const limit = Math.floor(0x1_0000_0000 / characters.length) * characters.length;
  const out: string[] = [];
  const buffer = new Uint32Array(length);
  while (out.length < length) {
    crypto.getRandomValues(buffer);
    for (const value of buffer) {
      if (value < limit && out.length < length) out.push(characters[value % characters.length]!);
    }
  }
  buffer.fill(0);
  return out.join("");
}
