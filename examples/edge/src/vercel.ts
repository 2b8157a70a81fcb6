/**
 * Vercel Edge Functions (api/secret.ts in a Vercel project): no files at run time, so the sealed store
 * comes base64-encoded in the environment variable SEALED_STORE (`base64 -w0 secrets.sealed`; a
 * Vercel variable holds up to 64 KB) and its key in SEALED_KEY.
 */
import { base64ToBytes } from "secretmanagement/edge";
import { type Env, handle } from "./handler.ts";

export const config = { runtime: "edge" };

const env = process.env as Env;
const sealed = base64ToBytes(String(env.SEALED_STORE ?? ""));

export default function handler(request: Request): Promise<Response> {
  return handle(request, env, sealed);
}
