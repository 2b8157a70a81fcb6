/**
 * Fuzzing the text parsers: `secret://` references, wildcard filters, the CLI argument parser and the
 * vault registry (vaults.json). Properties: they fail only with their error class (SecretManagementError;
 * UsageError for the command line, exit code 2); references round-trip; wildcard matching agrees with
 * a reference matcher and does work linear in the name (counted, not timed).
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../cli/table.ts";
import { parseCommandLine, UsageError } from "../cli/args.ts";
import { SecretManagementError } from "../core/errors.ts";
import { SecretManagement } from "../core/manager.ts";
import { parseSecretReference } from "../core/references.ts";
import { VaultRegistry } from "../core/registry-file.ts";
import { compileWildcard } from "../core/wildcard.ts";
import { fuzzRuns, fuzzTimeout, parsesOrRefuses, parsesOrRefusesAsync } from "./helpers/fuzz.ts";
import { MemoryFileSystem, memoryRuntime } from "./helpers/memory-fs.ts";

const anyText = fc.string({ unit: "binary", maxLength: 60 });
const NOT_A_REFERENCE = "a secret reference starts with secret:// (the text given does not)";

describe("secret:// references", () => {
  it("any text parses or fails with INVALID_ARGUMENT", () => {
    const referenceLike = fc.tuple(fc.constantFrom("secret://", "secret:/", ""), fc.string({ unit: fc.constantFrom("a", "/", "#", "%", "2", "3", "Z", "é", "\u{1f600}", "%e9", "%ZZ"), maxLength: 20 }))
      .map(([prefix, body]) => prefix + body);
    fc.assert(
      fc.property(fc.oneof(anyText, referenceLike), (text) => {
        const result = parsesOrRefuses(() => parseSecretReference(text));
        if ("error" in result) {
          expect(result.error.code).toBe("INVALID_ARGUMENT");
          // Text that is not a reference may be a secret pasted in the wrong place: never repeated.
          if (!text.startsWith("secret://")) expect(result.error.message).toBe(NOT_A_REFERENCE);
        }
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("a reference built from any vault, name and field parses back to them", () => {
    const part = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.option(part, { nil: undefined }), part, fc.option(part, { nil: undefined }), (vault, name, field) => {
        const text = `secret://${vault === undefined ? "" : `${encodeURIComponent(vault)}/`}${encodeURIComponent(name)}${
          field === undefined ? "" : `#${encodeURIComponent(field)}`
        }`;
        expect(parseSecretReference(text)).toEqual({ vault, name, field });
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));
});

/** The textbook dynamic-programming matcher, as the specification of `*` and `?` (code points). */
function referenceMatch(pattern: string[], name: string[]): boolean {
  // row[j]: whether the pattern so far matches the first j characters of the name.
  let row = Array.from({ length: name.length + 1 }, (_, j) => j === 0);
  for (const token of pattern) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    next[0] = token === "*" && row[0]!;
    for (let j = 1; j <= name.length; j++) {
      next[j] = token === "*" ? row[j]! || next[j - 1]! : row[j - 1]! && (token === "?" || token === name[j - 1]);
    }
    row = next;
  }
  return row[name.length]!;
}

describe("wildcard filters", () => {
  const small = fc.string({ unit: fc.constantFrom("a", "b", "A", "*", "?", "é", "\u{1f600}"), maxLength: 8 });
  const names = fc.string({ unit: fc.constantFrom("a", "b", "B", "é", "\u{1f600}", "*", "?"), maxLength: 10 });

  it("match exactly what the reference matcher matches", () => {
    fc.assert(
      fc.property(small, names, (pattern, name) => {
        const fold = (s: string) => Array.from(s.toLowerCase());
        expect(compileWildcard(pattern)(name)).toBe(referenceMatch(fold(pattern), fold(name)));
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.1));

  it("do work linear in the name: reads of the name's characters counted, whatever the pattern", () => {
    // The matcher reads the name as the array Array.from makes of it; that array is swapped for a
    // proxy that counts element reads while one match runs (a count, not a timing).
    const arrayFrom = Array.from;
    let totalReads = 0;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "b", "*", "?"), minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4000 }), (pattern, length) => {
        const name = `${"a".repeat(length - 1)}b`;
        const matches = compileWildcard(pattern);
        let reads = 0;
        const spy = vi.spyOn(Array, "from").mockImplementation(((source: Iterable<unknown>) =>
          new Proxy(arrayFrom(source), {
            get(target, property, receiver) {
              if (typeof property === "string" && /^\d+$/.test(property)) reads++;
              return Reflect.get(target, property, receiver);
            },
          })) as typeof Array.from);
        let result: boolean;
        try {
          result = matches(name);
        } finally {
          spy.mockRestore();
        }
        expect(result).toBe(referenceMatch(arrayFrom(pattern), arrayFrom(name)));
        totalReads += reads;
        // At most (name length + 1) × pattern length reads: a fixed pattern costs time linear in the name.
        expect(reads).toBeLessThanOrEqual((length + 1) * pattern.length);
      }),
      // Names up to 4 000 characters read through a proxy: a twentieth of the runs keeps this near a second.
      { numRuns: fuzzRuns(20) },
    );
    expect(totalReads).toBeGreaterThan(0); // the proxy did see the matcher's reads
  }, fuzzTimeout(2, 20));
});

describe("the CLI argument parser", () => {
  const words = fc.oneof(
    anyText,
    fc.constantFrom(...new Set(COMMANDS.flatMap((command) => command.path))),
    fc.constantFrom(...new Set(COMMANDS.flatMap((command) => command.flags.flatMap((flag) => [`--${flag.name}`, ...(flag.short ? [`-${flag.short}`] : [])])))),
    fc.constantFrom("--", "-", "--help", "--debug", "--vault=", "--type=bytes", "-h", "--json"),
  );

  it("any argv parses or fails with a UsageError (exit code 2)", () => {
    fc.assert(
      fc.property(fc.array(words, { maxLength: 8 }), (argv) => {
        try {
          const parsed = parseCommandLine(COMMANDS, argv);
          expect(COMMANDS).toContain(parsed.command);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
        }
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.2));
});

describe("the vault registry (vaults.json)", () => {
  const registryLike = fc.record(
    {
      version: fc.oneof(fc.constant(1), fc.jsonValue()),
      defaultVault: fc.oneof(fc.constant(null), fc.string(), fc.jsonValue()),
      vaults: fc.oneof(
        fc.dictionary(fc.string(), fc.oneof(
          fc.record({ module: fc.oneof(fc.string(), fc.jsonValue()), parameters: fc.jsonValue(), description: fc.jsonValue(), version: fc.jsonValue() }, { requiredKeys: [] }),
          fc.jsonValue(),
        )),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value));

  it("any file content reads as a registry or fails with STORE_CORRUPT naming the file; what reads lists", async () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/home");
    const runtime = memoryRuntime(fs);
    const registry = new VaultRegistry(runtime, "/home");
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.oneof(anyText, fc.jsonValue().map((v) => JSON.stringify(v)), registryLike).map((s) => new TextEncoder().encode(s))), async (content) => {
        fs.writeFileAtomic("/home/vaults.json", content, 0o600);
        const read = parsesOrRefuses(() => registry.read());
        if ("error" in read) {
          expect(read.error.code).toBe("STORE_CORRUPT");
          expect(read.error.message).toContain("/home/vaults.json");
          return;
        }
        const listed = await parsesOrRefusesAsync(async () => (await SecretManagement.open({ home: "/home", runtime, createRegistry: (rt, home) => new VaultRegistry(rt, home) })).getVaults());
        if ("error" in listed) expect(listed.error).toBeInstanceOf(SecretManagementError);
        else expect(listed.value.map((vault) => vault.name).sort()).toEqual(Object.keys(read.value.vaults).sort());
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout(0.5));
});
