/**
 * The hidden-line reader (adapters/shared/terminal.ts) over raw terminal bytes: what it keeps, what edits
 * the line, and that keys which send escape sequences leave nothing in the password.
 */
import { describe, expect, it } from "vitest";
import { readHiddenLine } from "../adapters/shared/terminal.ts";

/** A reader that yields the given chunks, then end of input. */
function chunks(...parts: (string | number[])[]): () => Promise<Uint8Array | null> {
  const queue = parts.map((part) => (typeof part === "string" ? new TextEncoder().encode(part) : new Uint8Array(part)));
  return () => Promise.resolve(queue.shift() ?? null);
}

describe("readHiddenLine", () => {
  it("keeps printable ASCII and multi-byte UTF-8 characters", async () => {
    expect(await readHiddenLine(chunks("pässwörd 🔑 ~\r"))).toBe("pässwörd 🔑 ~");
  });

  it("drops control bytes other than the editing keys", async () => {
    expect(await readHiddenLine(chunks([0x61, 0x09, 0x62, 0x00, 0x07, 0x63, 0x0d]))).toBe("abc");
  });

  it("Backspace removes a whole UTF-8 character, Ctrl-U the whole line", async () => {
    expect(await readHiddenLine(chunks("ab🔑", [0x7f], "c", [0x15], "new", [0x08], "\n"))).toBe("ne");
  });

  it("drops arrow keys, Home and F-keys whole, also when a sequence is split across reads", async () => {
    const left = [0x1b, 0x5b, 0x44]; // ESC [ D
    const ctrlRight = [0x1b, 0x5b, 0x31, 0x3b, 0x35, 0x43]; // ESC [ 1 ; 5 C
    const f1 = [0x1b, 0x4f, 0x50]; // ESC O P
    expect(await readHiddenLine(chunks("a", left, "b", ctrlRight, "c", f1, "d", [0x1b], [0x5b, 0x41], "e\r"))).toBe("abcde");
  });

  it("a lone Escape drops only itself", async () => {
    expect(await readHiddenLine(chunks([0x61, 0x1b, 0x62, 0x0d]))).toBe("ab");
  });

  it("Ctrl-C, Ctrl-D on an empty line and end of input cancel with PASSWORD_REQUIRED", async () => {
    for (const input of [chunks("ab", [0x03]), chunks([0x04]), chunks("ab")]) {
      await expect(readHiddenLine(input)).rejects.toMatchObject({ code: "PASSWORD_REQUIRED" });
    }
  });
});
