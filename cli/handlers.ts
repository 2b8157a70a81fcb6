/**
 * Which function runs each command of the table (cli/table.ts), from a module imported only when that
 * command runs, to keep start-up lean. Apart from the table, so the table stays plain data that
 * completion and the handlers themselves import; the `Handlers` type checks each handler against its
 * command's flags and arguments, and that every command has one.
 */
import type { CommandSpec } from "./args.ts";
import type { Handler } from "./context.ts";
import type { CommandName, CommandNamed } from "./table.ts";

type Handlers = { [N in CommandName]: () => Promise<Handler<CommandNamed<N>>> };

const vaultCommands = () => import("./commands/vault.ts");
const secretCommands = () => import("./commands/secrets.ts");
const storeCommands = () => import("./commands/store.ts");
const completionCommands = () => import("./commands/completion.ts");

const HANDLERS: Handlers = {
  "vault register": async () => (await vaultCommands()).register,
  "vault unregister": async () => (await vaultCommands()).unregister,
  "vault list": async () => (await vaultCommands()).list,
  "vault default": async () => (await vaultCommands()).setDefault,
  "vault test": async () => (await vaultCommands()).test,
  "vault unlock": async () => (await vaultCommands()).unlock,
  "vault search": async () => (await import("./commands/search.ts")).search,
  set: async () => (await secretCommands()).set,
  get: async () => (await secretCommands()).get,
  info: async () => {
    const [{ info }, { failOnVaultErrors }] = await Promise.all([secretCommands(), import("./context.ts")]);
    return failOnVaultErrors(info);
  },
  meta: async () => (await secretCommands()).meta,
  remove: async () => (await secretCommands()).remove,
  copy: async () => (await secretCommands()).copy,
  "store config": async () => (await storeCommands()).config,
  "store unlock": async () => (await storeCommands()).unlock,
  "store lock": async () => (await storeCommands()).lock,
  "store password": async () => (await storeCommands()).password,
  "store reset": async () => (await storeCommands()).reset,
  "store export": async () => (await import("./commands/export.ts")).exportSealed,
  run: async () => (await import("./commands/run.ts")).run,
  inject: async () => (await import("./commands/inject.ts")).inject,
  completion: async () => (await completionCommands()).completion,
  __complete: async () => (await completionCommands()).complete,
  __agent: async () => (await import("./agent-server.ts")).serve,
};

/** The handler of a command that parseCommandLine found in the table. */
export async function loadHandler(command: CommandSpec): Promise<Handler> {
  const handler = await HANDLERS[command.path.join(" ") as CommandName]();
  // The parser matched `command` in the table and checked the command line against it, so the
  // context built from its result has the flags and arguments this handler is typed for.
  return handler as Handler;
}
