/** The terminal for prompts on Deno: `Deno.stdin` in raw mode, messages on `Deno.stderr`. */
import type { RawTerminal } from "../shared/terminal.ts";
import { Deno, writeAllSync } from "./api.ts";

export const denoTerminal: RawTerminal = {
  stdinIsTerminal: () => Deno.stdin.isTerminal(),
  writeStderr: (text) => writeAllSync(Deno.stderr, text),
  async withRawStdin(work) {
    Deno.stdin.setRaw(true);
    try {
      return await work(async () => {
        const buffer = new Uint8Array(256);
        const n = await Deno.stdin.read(buffer);
        return n === null ? null : buffer.subarray(0, n);
      });
    } finally {
      Deno.stdin.setRaw(false);
    }
  },
};
