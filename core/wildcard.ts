/**
 * Wildcard filters: `*` matches any run of characters, `?` exactly one (a whole code point),
 * everything else literally; matching is case-insensitive like secret and vault names.
 */
export function compileWildcard(pattern: string): (name: string) => boolean {
  if (pattern === "*") return () => true;
  let source = "";
  for (const char of pattern.toLowerCase()) {
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  const regex = new RegExp(`^${source}$`, "su");
  return (name) => regex.test(name.toLowerCase());
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}
