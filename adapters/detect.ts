/**
 * Picks the Runtime (and, for the `secret` command, the CliHost) for the JavaScript runtime this code
 * runs on; each adapter loads only there.
 */
import type { CliHost } from "../cli/host.ts";
import type { Runtime, RuntimeName } from "../core/runtime.ts";

function runningOn(): RuntimeName {
  const global = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } } };
  if (global.Deno !== undefined) return "deno";
  if (global.Bun !== undefined) return "bun";
  return global.process?.versions?.node !== undefined ? "node" : "web";
}

export async function detectRuntime(): Promise<Runtime> {
  switch (runningOn()) {
    case "deno":
      return (await import("./deno.ts")).denoRuntime;
    case "bun":
      return (await import("./bun.ts")).bunRuntime;
    case "node":
      return (await import("./node.ts")).nodeRuntime;
    case "web":
      return (await import("./web.ts")).webRuntime;
  }
}

/** Use cli/host.ts `cliHost`, which loads this once. Edge runtimes run no command line. */
export async function detectCliHost(): Promise<CliHost> {
  switch (runningOn()) {
    case "deno":
      return (await import("./deno/cli-host.ts")).denoCliHost;
    case "bun":
      return (await import("./bun/cli-host.ts")).bunCliHost;
    default:
      return (await import("./node/cli-host.ts")).nodeCliHost();
  }
}
