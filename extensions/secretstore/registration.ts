/**
 * What a secretstore registration means without loading the store engine, so the CLI's start-up and
 * its agent read path stay light: which module names it, which environment variable holds its
 * password, and where it keeps its files (parameter `path`, else `<home>/secretstore`).
 */
import { joinPath } from "../../core/paths.ts";
import { checkPrivateDirectory } from "../../core/permissions.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { VaultParameters } from "../../core/types.ts";

export const SECRETSTORE_MODULE = "secretstore";

/** The variable a locked SecretStore takes its password from when none was given (CI). */
export const PASSWORD_ENV = "SECRETSTORE_PASSWORD";

/** Whether a registration's module is the built-in SecretStore; built-in names ignore case, as the manager's lookup does. */
export function isSecretStoreModule(module: string): boolean {
  return module.toLowerCase() === SECRETSTORE_MODULE;
}

/** The directory, refused (PERMISSION_DENIED) when it or a file in it is another user's or writable by others. */
export function storeDirectory(runtime: Runtime, home: string, parameters: VaultParameters): string {
  const directory = typeof parameters.path === "string" ? parameters.path : joinPath(runtime, home, "secretstore");
  checkPrivateDirectory(runtime, directory, "the SecretStore");
  return directory;
}
