/**
 * What a command handler gets: the parsed command line, with the flags and arguments of its command
 * typed from the table (cli/table.ts), the runtime, the CLI's host (cli/host.ts), the CLI's password
 * source (cli/stores.ts), and lazily the manager, which hands that source to every vault.
 */
import type { SecretManagement } from "../core/manager.ts";
import type { Runtime } from "../core/runtime.ts";
import { SecretManagementError } from "../core/errors.ts";
import { type ArgsOf, argsOf, type CommandSpec, type FlagsOf, flagsOf, type Parsed, UsageError } from "./args.ts";
import type { CliHost } from "./host.ts";
import { CliPasswords } from "./stores.ts";
import type { CommandName, CommandNamed, SwitchName, ValueFlagName } from "./table.ts";

export type Handler<C extends CommandSpec = CommandSpec> = (context: Context<C>) => Promise<number | void>;

/** The context of one command of the table: `CommandContext<"set">` has `flags.vault: string | undefined`. */
export type CommandContext<N extends CommandName> = Context<CommandNamed<N>>;

export class Context<C extends CommandSpec = CommandSpec> {
  readonly runtime: Runtime;
  /** What only the CLI needs: its own output and stdin, signals, the agent's socket. */
  readonly host: CliHost;
  readonly parsed: Parsed<C>;
  /** Every flag the command declares: a switch true or false, a repeatable flag a list, others a value or undefined. */
  readonly flags: FlagsOf<C>;
  readonly args: ArgsOf<C>;
  /** Where passwords come from: the unlock agent, --password-stdin, SECRETSTORE_PASSWORD, a prompt. */
  readonly passwords: CliPasswords;
  /** Vaults that failed during a search that went on without them (each also printed as a warning). */
  readonly vaultFailures: SecretManagementError[] = [];
  /** Set by a command that reports vault failures itself (`vault test`), so they are not warned twice. */
  quietVaultErrors = false;
  #manager: Promise<SecretManagement> | undefined;
  readonly #finishers: (() => Promise<void>)[] = [];

  constructor(runtime: Runtime, host: CliHost, parsed: Parsed<C>) {
    this.runtime = runtime;
    this.host = host;
    this.parsed = parsed;
    this.flags = flagsOf(parsed);
    this.args = argsOf(parsed);
    this.passwords = new CliPasswords(this);
  }

  /**
   * Whether a switch was given, for code that serves several commands, some without that switch
   * (a progress bar is quiet under --json; `copy` has no --json). A handler reads `flags`.
   */
  has(name: SwitchName): boolean {
    return this.parsed.flags[name] === true;
  }

  /** The value of a flag, for code that serves several commands (as `has`). A handler reads `flags`. */
  flag(name: ValueFlagName): string | undefined {
    const value = this.parsed.flags[name];
    return typeof value === "string" ? value : undefined;
  }

  usage(message: string): UsageError {
    return new UsageError(message, this.parsed.command);
  }

  open(): Promise<SecretManagement> {
    // core/manager.ts and the built-in loaders, not mod.ts: mod.ts also loads the SecretStore engine,
    // which commands that touch no store should not pay for at start-up.
    this.#manager ??= Promise.all([
      import("../core/manager.ts"),
      import("../extensions/builtins.ts"),
      import("../adapters/modules.ts"),
      import("../core/registry-file.ts"),
      import("../core/paths.ts"),
    ]).then(
      ([manager, extensions, modules, registry, paths]) =>
        manager.SecretManagement.open({
          runtime: this.runtime,
          home: paths.resolveHome(this.runtime),
          createRegistry: (runtime, home) => new registry.VaultRegistry(runtime, home),
          builtins: extensions.builtinVaults,
          modules: modules.createModuleLoader(this.runtime),
          passwords: this.passwords,
          onVaultError: (error) => {
            this.vaultFailures.push(error);
            if (!this.quietVaultErrors) this.warn(error.message);
          },
        }),
    );
    return this.#manager;
  }

  /** Work to do after the command succeeded (handing the key of a store unlocked at a prompt to the unlock agent). */
  onFinish(callback: () => Promise<void>): void {
    this.#finishers.push(callback);
  }

  async finish(): Promise<void> {
    for (const callback of this.#finishers.splice(0)) await callback();
  }

  out(text: string | Uint8Array): void {
    this.host.writeStdout(text);
  }

  /** A line for the person at the terminal (stderr), such as why a listing is empty. */
  note(message: string): void {
    this.host.writeStderr(`secret: ${message}\n`);
  }

  warn(message: string): void {
    this.host.writeStderr(`secret: warning: ${message}\n`);
  }
}

/**
 * For a listing across vaults (`secret info`): what the vaults that answered hold is printed, and
 * then, if a vault failed, the command fails with that failure's code (exit 4 for a locked store,
 * 1 for one that is down): an incomplete listing must not pass for a complete one.
 */
export function failOnVaultErrors<C extends CommandSpec>(handler: Handler<C>): Handler<C> {
  return async (context) => {
    const code = await handler(context);
    await context.finish();
    const [first] = context.vaultFailures;
    if (first === undefined) return code;
    const vaults = context.vaultFailures.map((failure) => `"${failure.vault}"`).join(", ");
    throw new SecretManagementError(first.code, `the listing is incomplete: vault ${vaults} failed (see above)`, {
      vault: first.vault,
      cause: context.vaultFailures.length === 1 ? first : new AggregateError(context.vaultFailures, "vaults that failed"),
    });
  };
}
