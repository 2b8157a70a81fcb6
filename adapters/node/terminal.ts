/** The terminal for prompts on Node and Bun: `process.stdin` in raw mode, messages on `process.stderr`. */
import type { RawTerminal } from "../shared/terminal.ts";

export const nodeTerminal: RawTerminal = {
  stdinIsTerminal: () => process.stdin.isTTY === true,
  writeStderr: (text) => void process.stderr.write(text),
  async withRawStdin(work) {
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    const queue: (Uint8Array | null)[] = [];
    let wake: (() => void) | undefined;
    const onData = (chunk: Buffer) => {
      queue.push(new Uint8Array(chunk));
      wake?.();
    };
    const onEnd = () => {
      queue.push(null);
      wake?.();
    };
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    try {
      return await work(async () => {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        return queue.shift()!;
      });
    } finally {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.setRawMode(false);
      stdin.pause();
    }
  },
};
