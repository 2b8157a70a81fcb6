/**
 * The home, vaults.json and a store must be the user's alone, the way ssh treats ~/.ssh: owned by
 * another user or writable by group or others, they are refused (PERMISSION_DENIED, exit 1) with the
 * path and the command that fixes it. Tests run as root, so "another user" is nobody (65534).
 */
import { chmodSync, chownSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { secret } from "./helpers/cli.ts";
import { tempHome } from "./helpers/home.ts";

const NOBODY = 65534;
const PASSWORD = { SECRETSTORE_PASSWORD: "correct horse" };

/** A home with a SecretStore vault `local` holding `a`, made the ordinary way (as root: the normal case). */
function homeWithStore(): string {
  const home = tempHome("perm");
  const set = secret("node", home, ["set", "a", "1"], { env: PASSWORD });
  expect(set.stderr).toBe("");
  expect(set.status).toBe(0);
  expect(secret("node", home, ["get", "a"], { env: PASSWORD })).toMatchObject({ status: 0, stdout: "1" });
  return home;
}

function expectRefused(home: string, path: string, fix: string, args = ["get", "a"]) {
  const result = secret("node", home, args, { env: PASSWORD });
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain(path);
  expect(result.stderr).toContain(`${fix} ${path}`);
  expect(result.stderr).not.toContain(PASSWORD.SECRETSTORE_PASSWORD);
}

describe("the registry's owner and mode", () => {
  it("refuses vaults.json writable by others (0666), and leaves it as it was", () => {
    const home = homeWithStore();
    const file = join(home, "vaults.json");
    chmodSync(file, 0o666);
    const before = readFileSync(file, "utf8");
    expectRefused(home, file, "chmod 600");
    expectRefused(home, file, "chmod 600", ["vault", "register", "e", "env"]);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o666);
  });

  it("refuses vaults.json owned by another user", () => {
    const home = homeWithStore();
    const file = join(home, "vaults.json");
    chownSync(file, NOBODY, NOBODY);
    expectRefused(home, file, "chown 0");
  });

  it("refuses a home directory owned by another user or open to writes (0777)", () => {
    const home = homeWithStore();
    chmodSync(home, 0o777);
    expectRefused(home, home, "chmod 700", ["vault", "list"]);
    chmodSync(home, 0o700);
    chownSync(home, NOBODY, NOBODY);
    expectRefused(home, home, "chown 0", ["vault", "list"]);
  });

  it("refuses before anything is read through the library too", async () => {
    const home = tempHome("perm-lib");
    const sm = await SecretManagement.open({ home });
    await sm.registerVault("e", "env");
    chmodSync(join(home, "vaults.json"), 0o646);
    await expect(SecretManagement.open({ home })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(sm.getVaults()).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
  });

  it("accepts the user's own files with private modes (0600 and 0700, or stricter)", () => {
    const home = homeWithStore();
    chmodSync(join(home, "vaults.json"), 0o400);
    chmodSync(home, 0o500);
    try {
      expect(secret("node", home, ["get", "a"], { env: PASSWORD })).toMatchObject({ status: 0, stdout: "1" });
    } finally {
      chmodSync(home, 0o700);
    }
  });
});

describe("the store's owner and mode", () => {
  it("refuses a store directory open to writes (0777) or owned by another user", () => {
    const home = homeWithStore();
    const directory = join(home, "secretstore");
    chmodSync(directory, 0o777);
    expectRefused(home, directory, "chmod 700");
    chmodSync(directory, 0o700);
    chownSync(directory, NOBODY, NOBODY);
    expectRefused(home, directory, "chown 0");
  });

  it("refuses a store file owned by another user or writable by others", () => {
    const home = homeWithStore();
    const log = join(home, "secretstore", "store.log");
    chmodSync(log, 0o666);
    expectRefused(home, log, "chmod 600");
    chmodSync(log, 0o600);
    const header = join(home, "secretstore", "store.header");
    chownSync(header, NOBODY, NOBODY);
    expectRefused(home, header, "chown 0");
  });

  it("gives no new secret to a planted no-password store", () => {
    const home = tempHome("perm-planted");
    const directory = join(home, "planted");
    const created = secret("node", home, [
      "vault", "register", "shared", "secretstore", "--param", `path=${directory}`, "--param", "authentication=none",
    ]);
    expect(created.status).toBe(0);
    expect(secret("node", home, ["set", "seed", "x"]).status).toBe(0);
    // Someone else now owns the store (as if they had made it for us to write into).
    for (const file of ["", "store.header", "store.log", "store.key"]) chownSync(join(directory, file), NOBODY, NOBODY);
    const log = readFileSync(join(directory, "store.log"));
    const set = secret("node", home, ["set", "new-token", "abc"]);
    expect(set.status).toBe(1);
    expect(set.stderr).toContain("chown 0");
    expect(readFileSync(join(directory, "store.log"))).toEqual(log);
  });
});
