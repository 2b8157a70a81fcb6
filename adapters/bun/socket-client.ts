/** cli/host.ts `requestLine` on Bun, over `Bun.connect`: loading `node:net` costs Bun ~30 ms. */
import { firstLine, nobodyListening, unavailable, withinTime } from "../shared/line-socket.ts";
import { Bun, type BunSocket } from "./api.ts";

export function requestLine(path: string, line: string, timeoutMs: number): Promise<string | undefined> {
  return withinTime(ask(path, line), timeoutMs);
}

function ask(path: string, line: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = "";
    Bun.connect({
      unix: path,
      socket: {
        open: (socket: BunSocket) => void socket.write(line),
        data(socket: BunSocket, chunk: Uint8Array) {
          text += decoder.decode(chunk, { stream: true });
          const answer = firstLine(text);
          if (answer === undefined) return;
          socket.end();
          resolve(answer);
        },
        close: () => resolve(firstLine(text)),
        error: (_socket: BunSocket, error: Error) => reject(unavailable(error.message)),
      },
    }).catch((error: { code?: string; message?: string }) => {
      if (nobodyListening(error.code)) resolve(undefined);
      else reject(unavailable(error.code ?? error.message ?? "connection failed"));
    });
  });
}
