/**
 * Vaults' passwords (core/extension.ts PasswordSource): the library's own source — the passwords
 * the application gave by vault name, else a terminal — and the one way to ask on a terminal, which
 * the CLI's source (cli/stores.ts) uses too.
 */
import { SecretManagementError } from "./errors.ts";
import type { PasswordRequest, PasswordSource } from "./extension.ts";
import type { Runtime } from "./runtime.ts";
import { nameKey } from "./types.ts";

const NEW_PASSWORD_ATTEMPTS = 3;

/**
 * Asks on the terminal without echo; a new password twice, again on a mismatch or an empty one, up
 * to three tries. Without a terminal: PASSWORD_REQUIRED naming `remedy` (`<vault>` stands for the vault).
 */
export async function askOnTerminal(runtime: Runtime, request: PasswordRequest, remedy: string): Promise<string> {
  const { vault } = request;
  if (!runtime.stdinIsTerminal()) {
    throw new SecretManagementError(
      "PASSWORD_REQUIRED",
      `vault "${vault}" needs a password and there is no terminal to ask for it on: ${remedy.replaceAll("<vault>", vault)}`,
      { vault },
    );
  }
  if (request.purpose === "unlock") return await runtime.promptSecret(request.message);
  for (let attempt = 0; attempt < NEW_PASSWORD_ATTEMPTS; attempt++) {
    const first = await runtime.promptSecret(request.message);
    if (first === "") {
      runtime.writeStderr("The password must not be empty.\n");
      continue;
    }
    const second = await runtime.promptSecret("Repeat the new password: ");
    if (first === second) return first;
    runtime.writeStderr("The passwords do not match; try again.\n");
  }
  throw new SecretManagementError("PASSWORD_REQUIRED", `no new password was confirmed after ${NEW_PASSWORD_ATTEMPTS} attempts`, {
    vault,
  });
}

/** The library's source: `passwords` by vault name (names ignore case), else the terminal. */
export function givenPasswords(
  runtime: Runtime,
  passwords: { readonly [vault: string]: string },
  remedy: string,
): PasswordSource {
  const byVault = new Map<string, string>();
  for (const [vault, password] of Object.entries(passwords)) {
    if (typeof password !== "string" || password === "") {
      throw new SecretManagementError("INVALID_ARGUMENT", `passwords.${vault} must be a non-empty string`);
    }
    byVault.set(nameKey(vault), password);
  }
  return {
    given: async (vault) => byVault.get(nameKey(vault)),
    ask: (request) => askOnTerminal(runtime, request, remedy),
  };
}
