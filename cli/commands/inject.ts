/** `secret inject`: fills `{{ secret://vault/name#field }}` in a template; all or nothing. */
import type { Context } from "../context.ts";
import { prepareStores } from "../stores.ts";
import { secretText } from "../values.ts";

const PLACEHOLDER = /\{\{\s*(secret:\/\/[^\s{}]+)\s*\}\}/g;

export async function inject(context: Context): Promise<void> {
  const fs = context.runtime.fs!;
  const input = context.flag("in");
  let bytes: Uint8Array | undefined;
  if (input === undefined) {
    if (context.has("password-stdin")) throw context.usage("--password-stdin needs the template from -i <file>");
    bytes = await context.runtime.readStdin();
  } else {
    bytes = fs.readFile(input);
    if (bytes === undefined) throw context.usage(`-i ${input}: no such file`);
  }
  const template = new TextDecoder().decode(bytes);
  const references = [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1]!))];
  const sm = await context.open();
  if (references.length > 0) await prepareStores(context, sm);
  const values = new Map<string, string>();
  for (const reference of references) values.set(reference, secretText(await sm.resolveReference(reference), reference));
  const output = template.replace(PLACEHOLDER, (_, reference: string) => values.get(reference)!);
  const out = context.flag("out");
  if (out === undefined) context.out(output);
  else fs.writeFileAtomic(out, new TextEncoder().encode(output), 0o600); // a new file replaces any old one
}
