/** `secret inject`: fills `{{ secret://vault/name#field }}` in a template; all or nothing. */
import { SecretManagementError } from "../../core/errors.ts";
import { parseSecretReference } from "../../core/references.ts";
import type { CommandContext } from "../context.ts";
import { secretText } from "../values.ts";

const PLACEHOLDER = /\{\{\s*(secret:\/\/[^\s{}]+)\s*\}\}/g;
/** A placeholder exactly where lastIndex says (sticky). */
const PLACEHOLDER_HERE = new RegExp(PLACEHOLDER.source, "y");
/** Where a placeholder begins: every one of these must be a whole, valid placeholder. */
const PLACEHOLDER_START = /\{\{\s*secret:\/\//g;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function parses(reference: string): boolean {
  try {
    parseSecretReference(reference);
    return true;
  } catch {
    return false;
  }
}

/**
 * The references of a template's placeholders. A `{{ secret://` that does not form a valid
 * placeholder is an error naming its line: copying it through would ship a template half filled.
 */
function placeholderReferences(template: string): string[] {
  const references = new Set<string>();
  for (const start of template.matchAll(PLACEHOLDER_START)) {
    PLACEHOLDER_HERE.lastIndex = start.index;
    const reference = PLACEHOLDER_HERE.exec(template)?.[1];
    if (reference === undefined || !parses(reference)) {
      throw new SecretManagementError(
        "INVALID_ARGUMENT",
        `line ${lineAt(template, start.index)}: malformed placeholder; write {{ secret://vault/name#field }} (spaces in a name as %20)`,
      );
    }
    references.add(reference);
  }
  return [...references];
}

export async function inject(context: CommandContext<"inject">): Promise<void> {
  const fs = context.runtime.fs!;
  const input = context.flags.in;
  let bytes: Uint8Array | undefined;
  if (input === undefined) {
    if (context.flags["password-stdin"]) throw context.usage("--password-stdin needs the template from -i <file>");
    bytes = await context.host.readStdin();
  } else {
    bytes = fs.readFile(input);
    if (bytes === undefined) throw context.usage(`-i ${input}: no such file`);
  }
  let template: string;
  try {
    template = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SecretManagementError("INVALID_ARGUMENT", "the template is not valid UTF-8 text");
  }
  const references = placeholderReferences(template);
  const sm = await context.open();
  const values = new Map<string, string>();
  for (const reference of references) values.set(reference, secretText(await sm.resolveReference(reference), reference));
  const output = template.replace(PLACEHOLDER, (_, reference: string) => values.get(reference)!);
  const out = context.flags.out;
  if (out === undefined) context.out(output);
  else fs.writeFileAtomic(out, new TextEncoder().encode(output), 0o600); // a new file replaces any old one
}
