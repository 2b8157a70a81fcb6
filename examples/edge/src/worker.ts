/** Cloudflare Workers: the sealed store is bundled (the Data rule in wrangler.toml), bindings are `env`. */
import sealed from "../secrets.sealed";
import { type Env, handle } from "./handler.ts";

export default {
  fetch: (request: Request, env: Env): Promise<Response> => handle(request, env, sealed),
};
