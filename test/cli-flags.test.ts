/**
 * The flags and arguments a handler reads are typed from its entry in the command table
 * (cli/table.ts): the type assertions here are checked by `tsc -p tsconfig.json`, the rest at run time.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { argsOf, flagsOf, parseCommandLine } from "../cli/args.ts";
import type { CommandContext, Handler } from "../cli/context.ts";
import { COMMANDS, type CommandNamed } from "../cli/table.ts";
import type { get } from "../cli/commands/secrets.ts";

describe("a handler's flags and arguments", () => {
  it("have the types their command declares", () => {
    type Set = CommandContext<"set">;
    expectTypeOf<Set["flags"]["vault"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Set["flags"]["no-clobber"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Set["flags"]["meta"]>().toEqualTypeOf<string[]>();
    expectTypeOf<Set["flags"]["type"]>().toEqualTypeOf<"string" | "bytes" | "credential" | "map" | undefined>();
    expectTypeOf<Set["args"]["name"]>().toEqualTypeOf<string>();
    expectTypeOf<Set["args"]["value"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CommandContext<"store config">["flags"]["authentication"]>().toEqualTypeOf<"password" | "none" | undefined>();
    expectTypeOf<CommandContext<"run">["args"]["command"]>().toEqualTypeOf<[string, ...string[]]>();
    expectTypeOf<CommandContext<"vault unregister">["args"]["name"]>().toEqualTypeOf<[string, ...string[]]>();
    expectTypeOf<CommandContext<"__complete">["args"]["words"]>().toEqualTypeOf<string[]>();
  });

  it("are only those of their command: a misspelt or foreign flag does not compile", () => {
    const readers = [
      // @ts-expect-error: get has --vault, not --vualt
      (context: CommandContext<"get">) => context.flags.vualt,
      // @ts-expect-error: --meta belongs to set and meta, not get
      (context: CommandContext<"get">) => context.flags.meta,
      // @ts-expect-error: get's argument is <name>
      (context: CommandContext<"get">) => context.args.filter,
      // @ts-expect-error: helpers shared by commands read switches by a name the table declares
      (context: CommandContext<"get">) => context.has("jsno"),
    ];
    expect(readers).toHaveLength(4);
    // A handler bound to another command is refused too (cli/handlers.ts binds each by its command's type).
    expectTypeOf<typeof get>().toExtend<Handler<CommandNamed<"get">>>();
    expectTypeOf<typeof get>().not.toExtend<Handler<CommandNamed<"set">>>();
  });

  it("hold every declared flag: a switch not given is false, a repeatable flag not given is []", () => {
    const parsed = parseCommandLine(COMMANDS, ["set", "name", "--meta", "a=1", "--meta=b=2", "--stdin", "--type", "map"]);
    const flags = flagsOf(parsed);
    expect(Object.keys(flags)).toEqual(parsed.command.flags.map((flag) => flag.name));
    expect(flags).toMatchObject({ meta: ["a=1", "b=2"], stdin: true, type: "map", "no-clobber": false, print: false });
    expect(flags.vault).toBeUndefined();
    expect(flagsOf(parseCommandLine(COMMANDS, ["run", "--", "env"]))).toMatchObject({ env: [], "env-file": [], mask: false });
    expect(argsOf(parseCommandLine(COMMANDS, ["run", "--env", "A=b", "sh", "-c", "echo"]))).toEqual({ command: ["sh", "-c", "echo"] });
  });
});
