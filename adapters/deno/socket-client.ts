/** cli/host.ts `requestLine` on Deno, over `Deno.connect`: loading `node:net` costs Deno ~30 ms. */
import { firstLine, nobodyListening, unavailable, withinTime } from "../shared/line-socket.ts";
import { Deno, type DenoConn } from "./api.ts";

export function requestLine(path: string, line: string, timeoutMs: number): Promise<string | undefined> {
  return withinTime(ask(path, line), timeoutMs);
}

const encoder = new TextEncoder();

async function ask(path: string, line: string): Promise<string | undefined> {
  let conn: DenoConn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    const name = (error as Error).name;
    if (nobodyListening(name) || nobodyListening((error as { code?: string }).code)) return undefined;
    throw unavailable(name);
  }
  try {
    const bytes = encoder.encode(line);
    for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return firstLine(text);
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      const answer = firstLine(text);
      if (answer !== undefined) return answer;
    }
  } finally {
    conn.close();
  }
}
