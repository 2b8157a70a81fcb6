/** cli/host.ts `requestLine` on Node, over `node:net`. */
import { firstLine, nobodyListening, unavailable, withinTime } from "../shared/line-socket.ts";

export function requestLine(path: string, line: string, timeoutMs: number): Promise<string | undefined> {
  return withinTime(ask(path, line), timeoutMs);
}

async function ask(path: string, line: string): Promise<string | undefined> {
  const { createConnection } = await import("node:net");
  return await new Promise((resolve, reject) => {
    const connection = createConnection(path);
    let text = "";
    connection.setEncoding("utf8");
    connection.on("connect", () => connection.write(line));
    connection.on("data", (chunk: string) => {
      text += chunk;
      const answer = firstLine(text);
      if (answer === undefined) return;
      connection.destroy();
      resolve(answer);
    });
    connection.on("error", (error: NodeJS.ErrnoException) => {
      if (nobodyListening(error.code)) resolve(undefined);
      else reject(unavailable(error.code ?? error.message));
    });
    connection.on("close", () => resolve(firstLine(text)));
  });
}
