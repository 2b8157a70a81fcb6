/**
 * Wildcard filters: `*` matches any run of characters, `?` exactly one (a whole code point),
 * everything else literally; matching is case-insensitive like secret and vault names, unless asked
 * otherwise (HashiCorp Vault paths are case-sensitive).
 *
 * No regular expression: `*a*a*a*b` compiled to one backtracks exponentially on a long name. The
 * pattern is split at its stars into segments; the first must start the name, the last must end it,
 * and each one between is taken at its leftmost place after the one before. Leftmost is always right
 * (a star can absorb whatever a later place would have skipped), so nothing is retried and a match
 * costs at most (name length × pattern length) comparisons.
 */
export interface WildcardOptions {
  /** Compare characters exactly instead of case-insensitively. Default false. */
  caseSensitive?: boolean;
}

/** Code points, so that `?` stands for one character even outside the Basic Multilingual Plane. */
type CodePoints = string[];

export function compileWildcard(pattern: string, options: WildcardOptions = {}): (name: string) => boolean {
  if (pattern === "*") return () => true;
  const fold = options.caseSensitive ? (text: string) => text : (text: string) => text.toLowerCase();
  const segments: CodePoints[] = fold(pattern).split("*").map((segment) => Array.from(segment));
  if (segments.length === 1) {
    const only = segments[0]!;
    return (name) => {
      const chars = Array.from(fold(name));
      return chars.length === only.length && matchesAt(chars, 0, only);
    };
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  return (name) => {
    const chars = Array.from(fold(name));
    if (chars.length < first.length + last.length) return false;
    if (!matchesAt(chars, 0, first)) return false;
    const lastStart = chars.length - last.length;
    if (!matchesAt(chars, lastStart, last)) return false;
    let position = first.length;
    for (const segment of middle) {
      const found = indexOfSegment(chars, segment, position, lastStart);
      if (found < 0) return false;
      position = found + segment.length;
    }
    return true;
  };
}

/** Whether `segment` (with `?` for any character) matches `chars` at `start`. */
function matchesAt(chars: CodePoints, start: number, segment: CodePoints): boolean {
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] !== "?" && segment[i] !== chars[start + i]) return false;
  }
  return true;
}

/** The leftmost place at or after `from` where `segment` matches and ends by `end`, or -1. */
function indexOfSegment(chars: CodePoints, segment: CodePoints, from: number, end: number): number {
  for (let start = from; start + segment.length <= end; start++) {
    if (matchesAt(chars, start, segment)) return start;
  }
  return -1;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}
