/**
 * A PasswordSource given as `SecretManagement.open({ passwords })` is what every vault asks: a
 * SecretStore takes a held key first, then the source's given password, and asks it (a new password,
 * then the current one) only when neither is there.
 */
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { MIN_KDF } from "../core/crypto/kdf.ts";
import { type PasswordRequest, type PasswordSource, SecretManagement, secretStoreOf } from "../mod.ts";
import { tempHome } from "./helpers/home.ts";

const PASSWORD = "source-pass-Qe7";
const CHEAP = { ...MIN_KDF };

beforeEach(() => {
  vi.stubEnv("SECRETSTORE_PASSWORD", undefined);
});

/** A source that answers `ask` with PASSWORD and records each request; `given` answers what is in `given`. */
function recordingSource(given: { [vault: string]: string } = {}): PasswordSource & { asked: PasswordRequest[] } {
  const asked: PasswordRequest[] = [];
  return {
    asked,
    given: async (vault) => given[vault],
    ask: async (request) => {
      asked.push(request);
      return PASSWORD;
    },
  };
}

describe("a PasswordSource of the application's own", () => {
  it("is asked for a new password to create a store, then for the current one to unlock it", async () => {
    const home = tempHome("unlock-source");
    const parameters = { path: join(home, "store"), kdf: CHEAP };
    const creating = recordingSource();
    const sm = await SecretManagement.open({ home, passwords: creating });
    await sm.registerVault("v", "secretstore", { parameters });
    await sm.setSecret("db", "value", { vault: "v" });
    expect(creating.asked).toEqual([{ vault: "v", message: "New password: ", purpose: "new" }]);

    const unlocking = recordingSource();
    const later = await SecretManagement.open({ home, passwords: unlocking });
    expect(await later.getSecret("db", { vault: "v" })).toBe("value");
    expect(unlocking.asked).toMatchObject([{ vault: "v", purpose: "unlock" }]);

    const given = recordingSource({ v: PASSWORD });
    const third = await SecretManagement.open({ home, passwords: given });
    expect(await third.getSecret("db", { vault: "v" })).toBe("value");
    expect(given.asked).toEqual([]);
  });

  it("a held key unlocks the store before any password is asked for", async () => {
    const home = tempHome("unlock-held");
    const parameters = { path: join(home, "store"), kdf: CHEAP };
    const sm = await SecretManagement.open({ home, passwords: { v: PASSWORD } });
    await sm.registerVault("v", "secretstore", { parameters });
    await sm.setSecret("db", "value", { vault: "v" });
    const key = (await secretStoreOf(sm, "v"))!.store.exportDataKey();
    const storeId = (await secretStoreOf(sm, "v"))!.store.storeId;

    const offered: string[] = [];
    const holding: PasswordSource = {
      ...recordingSource(),
      ask: async () => {
        throw new Error("must not be asked");
      },
      unlockWithHeldKey: async (request) => {
        offered.push(request.storeId);
        request.unlock(key.slice(), -1);
        return true;
      },
    };
    const later = await SecretManagement.open({ home, passwords: holding });
    expect(await later.getSecret("db", { vault: "v" })).toBe("value");
    expect(offered).toEqual([storeId]);
  });
});
