/**
 * A private Secret Service for tests, headless and as any user (root in CI): its own D-Bus session
 * bus (`dbus-daemon --session`) and `gnome-keyring-daemon --unlock --components=secrets` on that bus,
 * with HOME and the XDG directories in a temp dir, so the login keyring is created there and unlocked
 * with a password given on stdin. Fails loudly when a program is missing.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyringSession {
  /** Environment for child processes (secret-tool) that must talk to this session. */
  env: NodeJS.ProcessEnv;
  busAddress: string;
  stop(): Promise<void>;
}

function requireProgram(program: string, apt: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
  if (!found) throw new Error(`${program} is not installed (apt-get install ${apt})`);
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startKeyringSession(keyringPassword = "test-keyring-password"): Promise<KeyringSession> {
  requireProgram("dbus-daemon", "dbus");
  requireProgram("gnome-keyring-daemon", "gnome-keyring");
  requireProgram("dbus-send", "dbus");
  requireProgram("secret-tool", "libsecret-tools");

  const root = mkdtempSync(join(tmpdir(), "sm-keyring-"));
  const dirs = { HOME: "home", XDG_RUNTIME_DIR: "run", XDG_DATA_HOME: "data", XDG_CONFIG_HOME: "config", XDG_CACHE_HOME: "cache" };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: "C.UTF-8" };
  for (const [key, name] of Object.entries(dirs)) {
    const dir = join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    env[key] = dir;
  }

  const bus = spawnSync("dbus-daemon", ["--session", "--fork", "--print-address=1", "--print-pid=1"], { env });
  if (bus.status !== 0) throw new Error(`dbus-daemon failed: ${bus.stderr.toString()}`);
  const [busAddress, busPid] = bus.stdout.toString().trim().split("\n");
  if (!busAddress || !busPid) throw new Error(`dbus-daemon printed no address: ${bus.stdout.toString()}`);
  env.DBUS_SESSION_BUS_ADDRESS = busAddress;

  // --foreground keeps the daemon our child, so stop() ends exactly this process.
  const daemon: ChildProcess = spawn(
    "gnome-keyring-daemon",
    ["--foreground", "--unlock", "--components=secrets"],
    { env, stdio: ["pipe", "ignore", "pipe"] },
  );
  let daemonErrors = "";
  daemon.stderr!.on("data", (chunk: Buffer) => (daemonErrors += chunk.toString()));
  daemon.stdin!.end(keyringPassword);

  // Asking the bus who owns the name does not start anything (a secret-tool call could make D-Bus
  // activate a second, locked daemon before ours has registered).
  const probe = () =>
    spawnSync("dbus-send", [
      "--session",
      "--print-reply",
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      "string:org.freedesktop.secrets",
    ], { env }).stdout.toString().includes("boolean true");
  try {
    await waitFor(probe, "gnome-keyring-daemon on the session bus");
  } catch (error) {
    daemon.kill();
    process.kill(Number(busPid));
    throw new Error(`${(error as Error).message}; its stderr: ${daemonErrors.trim()}`);
  }

  return {
    env,
    busAddress,
    async stop() {
      const exited = new Promise((resolve) => daemon.once("exit", resolve));
      daemon.kill();
      await exited;
      try {
        process.kill(Number(busPid));
      } catch {
        // already gone
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
