/**
 * Deno Deploy (and `deno serve`): the sealed store is a file deployed with the code, read once;
 * bindings are environment variables.
 *   deno serve --allow-net --allow-env --allow-read src/deno.ts
 */
import { type Env, handle } from "./handler.ts";

const sealed = await Deno.readFile(new URL("../secrets.sealed", import.meta.url));
const env: Env = Deno.env.toObject();

export default {
  fetch: (request: Request): Promise<Response> => handle(request, env, sealed),
} satisfies Deno.ServeDefaultExport;
