/** Picks the Runtime for the JavaScript runtime this code runs on; each adapter loads only there. */
import type { Runtime } from "../core/runtime.ts";

export async function detectRuntime(): Promise<Runtime> {
  const global = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } } };
  if (global.Deno !== undefined) return (await import("./deno.ts")).denoRuntime;
  if (global.Bun !== undefined) return (await import("./bun.ts")).bunRuntime;
  if (global.process?.versions?.node !== undefined) return (await import("./node.ts")).nodeRuntime;
  return (await import("./web.ts")).webRuntime;
}
