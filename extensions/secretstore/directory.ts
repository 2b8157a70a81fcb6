/**
 * Where a secretstore vault keeps its files: parameter `path`, else `<home>/secretstore`. Its own
 * module so the CLI's agent read path can find a store without loading the store engine.
 */
import { joinPath } from "../../core/paths.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { VaultParameters } from "../../core/types.ts";

export function storeDirectory(runtime: Runtime, home: string, parameters: VaultParameters): string {
  return typeof parameters.path === "string" ? parameters.path : joinPath(runtime, home, "secretstore");
}
