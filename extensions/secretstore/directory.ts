/**
 * Where a secretstore vault keeps its files: parameter `path`, else `<home>/secretstore`. Its own
 * module so the CLI's agent read path can find a store without loading the store engine.
 */
import { joinPath } from "../../core/paths.ts";
import { checkPrivateDirectory } from "../../core/permissions.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { VaultParameters } from "../../core/types.ts";

/** The directory, refused (PERMISSION_DENIED) when it or a file in it is another user's or writable by others. */
export function storeDirectory(runtime: Runtime, home: string, parameters: VaultParameters): string {
  const directory = typeof parameters.path === "string" ? parameters.path : joinPath(runtime, home, "secretstore");
  checkPrivateDirectory(runtime, directory, "the SecretStore");
  return directory;
}
