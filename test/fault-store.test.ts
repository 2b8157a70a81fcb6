/**
 * Fault injection into the SecretStore engine beyond kill -9 (test/store-stress.test.ts) and a paused
 * lock holder (test/store-lock-takeover.test.ts): every file-system call an operation makes fails in
 * turn, once with EIO (test/helpers/failing-fs.ts), and again with the disk (a small tmpfs) filled up
 * right before that call, so that it and every later write get a real ENOSPC. After each:
 * the operation either succeeded or threw a SecretManagementError; an acknowledged write is there; a
 * failed one left the old state or the new one, never a mix; a fresh reader opens the store; no
 * temporary file is left; the same store object then works again.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeRuntime } from "../adapters/node.ts";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import { SecretManagementError } from "../core/errors.ts";
import { STALE_AGE_ENV } from "../core/lock.ts";
import type { Runtime } from "../core/runtime.ts";
import { SecretStore } from "../core/store/secret-store.ts";
import type { Metadata, SecretValue } from "../core/types.ts";
import { failingFileSystem, type Fault } from "./helpers/failing-fs.ts";
import { tempHome } from "./helpers/home.ts";

const OLD_PASSWORD = "old password";
const NEW_PASSWORD = "new password";

/** Values by name, and `<name> metadata` for a secret that has metadata. */
type State = Record<string, SecretValue | Metadata>;

interface Operation {
  name: string;
  password: boolean;
  /** Runs once on a fresh store to make the starting state (and the template every case copies). */
  seed(store: SecretStore): Promise<void>;
  run(store: SecretStore): Promise<void>;
  before: State;
  after: State;
  /** Only EIO (costly cases: each one derives Argon2id keys). */
  eioOnly?: boolean;
}

const seedValues = async (store: SecretStore) => {
  for (const round of [1, 2, 3, 4, 5]) await store.set("a", `a${round}`); // garbage, so compaction has work
  await store.set("b", new Uint8Array([0, 1, 255]));
  await store.set("c", "c0", { k: "v" });
};
const base: State = { a: "a5", b: new Uint8Array([0, 1, 255]), c: "c0", "c metadata": { k: "v" } };

const operations: Operation[] = [
  { name: "set a new secret", password: false, seed: seedValues, run: (s) => s.set("d", "d1"), before: base, after: { ...base, d: "d1" } },
  { name: "overwrite a secret (compaction runs after it)", password: false, seed: seedValues, run: (s) => s.set("a", "a6"), before: base, after: { ...base, a: "a6" } },
  { name: "remove a secret", password: false, seed: seedValues, run: (s) => s.remove("b"), before: base, after: { a: "a5", c: "c0", "c metadata": { k: "v" } } },
  { name: "set metadata", password: false, seed: seedValues, run: (s) => s.setMetadata("c", { k: "w" }), before: base, after: { ...base, "c metadata": { k: "w" } } },
  { name: "compact", password: false, seed: seedValues, run: (s) => s.compact(), before: base, after: base },
  { name: "change the configuration", password: false, seed: seedValues, run: (s) => s.setConfig({ passwordTimeout: 60 }), before: base, after: base },
  {
    name: "change the password with a new data key",
    password: true,
    eioOnly: true,
    seed: seedValues,
    run: (s) => s.changePassword(OLD_PASSWORD, NEW_PASSWORD, { rotateKey: true }),
    before: base,
    after: base,
  },
];

async function openStore(directory: string, runtime: Runtime, op: Operation): Promise<SecretStore> {
  // The overwrite case compacts as soon as garbage passes the live bytes.
  return await SecretStore.open({ runtime, directory, kdf: { ...MIN_KDF }, compactionThreshold: op.name.startsWith("overwrite") ? 1 : undefined });
}

/** What a fresh reader, without the shim, finds: values and metadata (or the error it throws). */
async function readState(directory: string, op: Operation, originalHeader?: Buffer): Promise<State> {
  const store = await openStore(directory, nodeRuntime, op);
  if (op.password) {
    // Mostly one Argon2id derivation, not two: the old header in place and no pending rotation means the old password.
    const header = readFileSync(join(directory, "store.header"));
    const unchanged = originalHeader !== undefined && header.equals(originalHeader) && !existsSync(join(directory, "store.header.next"));
    const [first, second] = unchanged ? [OLD_PASSWORD, NEW_PASSWORD] : [NEW_PASSWORD, OLD_PASSWORD];
    try {
      await store.unlock(first);
    } catch (error) {
      if (!(error instanceof SecretManagementError && error.code === "WRONG_PASSWORD")) throw error;
      await store.unlock(second);
    }
  }
  const state: State = {};
  for (const info of await store.list("*")) {
    state[info.name] = (await store.get(info.name))!;
    if (Object.keys(info.metadata).length > 0) state[`${info.name} metadata`] = info.metadata;
  }
  return state;
}

const leftovers = (directory: string) => readdirSync(directory).filter((name) => name.includes(".tmp-") || name === "store.header.next");

const mounted: string[] = [];
let disk: string;
beforeAll(() => {
  disk = tempHome("fault-tmpfs");
  // mode=700: a tmpfs root is 1777 by default, and a store directory others may write to is refused.
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=700", "tmpfs", disk]);
  mounted.push(disk);
  process.env[STALE_AGE_ENV] = "2000"; // a lock left by a failed release does not hold the next case for a minute
});
afterAll(() => {
  for (const dir of mounted) execFileSync("umount", ["--lazy", dir]);
  delete process.env[STALE_AGE_ENV];
});

/** Fills the tmpfs so that the next write that needs a block fails with ENOSPC. */
function fillDisk(): void {
  const { bavail, bsize } = statfsSync(disk);
  writeFileSync(join(disk, "filler"), new Uint8Array(Number(bavail) * Number(bsize)));
}

describe("SecretStore under failing file-system calls", () => {
  for (const op of operations) {
    it(`${op.name}: each call failing (EIO), and the disk full from each call on (ENOSPC)`, async () => {
      const template = join(disk, "template");
      rmSync(template, { recursive: true, force: true });
      const seeded = await openStore(template, nodeRuntime, op);
      await seeded.create(op.password ? { password: OLD_PASSWORD } : { config: { authentication: "none" } });
      await op.seed(seeded);
      seeded.lock();
      const originalHeader = readFileSync(join(template, "store.header"));
      expect(await readState(template, op, originalHeader)).toEqual(op.before);

      // How many calls the operation makes when nothing fails.
      const directory = join(disk, "case");
      const prepare = async (fault: Fault) => {
        rmSync(directory, { recursive: true, force: true });
        rmSync(join(disk, "filler"), { force: true });
        cpSync(template, directory, { recursive: true });
        const fs = failingFileSystem(nodeRuntime.fs!, fault);
        const runtime: Runtime = { ...nodeRuntime, fs, writeStderr: () => undefined, onExit: () => undefined };
        const store = await openStore(directory, runtime, op);
        if (op.password) await store.unlock(OLD_PASSWORD);
        fs.arm();
        return { store, fs };
      };
      const clean = await prepare({ kind: "none" });
      await op.run(clean.store);
      const steps = clean.fs.calls.length;
      expect(steps).toBeGreaterThan(3);
      expect(await readState(directory, op)).toEqual(op.after);

      const faults: ((at: number) => Fault)[] = [(failAt) => ({ kind: "eio", failAt })];
      if (!op.eioOnly) faults.push((failAt) => ({ kind: "before", failAt, beforeCall: fillDisk }));
      let failures = 0;
      for (const makeFault of faults) {
        for (let at = 0; at < steps; at++) {
          const fault = makeFault(at);
          const { store, fs } = await prepare(fault);
          let acknowledged = true;
          try {
            await op.run(store);
          } catch (error) {
            if (!(error instanceof SecretManagementError)) throw error;
            acknowledged = false;
            failures++;
          } finally {
            rmSync(join(disk, "filler"), { force: true });
          }
          const label = `${fault.kind} at call ${at}`;
          const state = await readState(directory, op, originalHeader).catch((error: Error) => {
            throw new Error(`after ${label} (${fs.calls[at]}), the store does not open: ${error.message}`, { cause: error });
          });
          if (acknowledged) expect({ label, state }).toEqual({ label, state: op.after });
          else expect([op.before, op.after]).toContainEqual(state);
          expect({ label, leftovers: leftovers(directory) }).toEqual({ label, leftovers: [] });
          // The store object that saw the failure works again once the file system does.
          if (!acknowledged && !op.password) {
            await store.set("later", "works");
            expect(await store.get("later")).toBe("works");
          }
        }
      }
      expect(failures).toBeGreaterThan(0);
    }, 180_000);
  }
});
