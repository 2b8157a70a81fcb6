/**
 * The Runtime for edge runtimes (Cloudflare workerd, Deno Deploy, Vercel Edge): no file system,
 * no terminal, no child processes. Environment comes from the bindings the caller passes in.
 */
import { SecretManagementError } from "../core/errors.ts";
import type { Runtime } from "../core/runtime.ts";

function unsupported(what: string): never {
  throw new SecretManagementError("UNSUPPORTED", `${what} is not available on an edge runtime`);
}

export function createWebRuntime(env: Record<string, string> = {}): Runtime {
  return {
    name: "web",
    platform: "other",
    fs: undefined,
    pid: 0,
    uid: undefined,
    env: (name) => env[name],
    envObject: () => ({ ...env }),
    homeDir: () => undefined,
    cwd: () => "/",
    hostname: () => "edge",
    isProcessAlive: () => false,
    stdinIsTerminal: () => false,
    promptSecret: () =>
      Promise.reject(new SecretManagementError("PASSWORD_REQUIRED", "no terminal to prompt on: unlock with a password")),
    writeStderr: (data) => console.warn(typeof data === "string" ? data : new TextDecoder().decode(data)),
    spawn: () => unsupported("spawning processes"),
    onExit: () => {},
  };
}

export const webRuntime: Runtime = createWebRuntime();
