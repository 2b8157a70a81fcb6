/**
 * lastpass: LastPass through its command-line client `lpass` (Debian `lastpass-cli`), run as a child
 * process with values on stdin, never on argv.
 *
 * Value mapping, on the fields `lpass add/edit --non-interactive` can write one at a time:
 * - credential ↔ Username + Password (each a single line; the username must not be empty);
 * - string ↔ Password when it is one line, else Notes (the other of the two is cleared, and Username too).
 * Reading: a non-empty Username is a credential; else a non-empty Password is a string; else Notes.
 * Bytes and maps are refused with UNSUPPORTED; there is no metadata. Names are entries' full names
 * (`folder/name`), matched exactly and case-sensitively, as lpass matches them.
 */
import { secretExists, SecretManagementError, secretNotFound } from "../../core/errors.ts";
import { defineVault, type VaultContext, type VaultExtension, type VaultSecretInfo } from "../../core/extension.ts";
import { readParameters } from "../../core/parameters.ts";
import { type CommandResult, runCommand } from "../../core/process.ts";
import { type Credential, isCredential, type SecretValue } from "../../core/types.ts";
import { compileWildcard } from "../../core/wildcard.ts";

/** One entry as `lpass show --json` prints it (fields lpass leaves out are absent). */
export interface LpassEntry {
  id: string;
  name: string;
  fullname: string;
  username?: string;
  password?: string;
  note?: string;
  group?: string;
}

/**
 * lpass prints each byte of a non-ASCII character as `\uffffffXX` (a sign-extended char in its JSON
 * writer; lastpass-cli issue #506). Put those bytes back together as UTF-8 before parsing.
 */
export function repairLpassJson(text: string): string {
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    out += new TextDecoder().decode(new Uint8Array(bytes));
    bytes = [];
  };
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") {
      const broken = /^u[fF]{6}([0-9a-fA-F]{2})/.exec(text.slice(i + 1, i + 11));
      if (broken) {
        bytes.push(parseInt(broken[1]!, 16));
        i += 9;
        continue;
      }
      flush();
      out += text.slice(i, i + 2);
      i++;
      continue;
    }
    flush();
    out += text[i];
  }
  flush();
  return out;
}

/** `lpass ls -l` lines: `<mtime> <fullname> [id: <id>] [username: <username>]`, no group → `(none)/`. */
export function parseLongListing(stdout: string): { fullname: string; id: string; username: string }[] {
  const entries: { fullname: string; id: string; username: string }[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^\s*(?:\d{4}-\d\d-\d\d \d\d:\d\d )?(.*) \[id: (\d+)\] \[username: (.*)\]$/.exec(line);
    if (!match) continue;
    const fullname = match[1]!.startsWith("(none)/") ? match[1]!.slice("(none)/".length) : match[1]!;
    // Folders are entries too; they have no name of their own.
    if (fullname === "" || fullname.endsWith("/")) continue;
    entries.push({ fullname, id: match[2]!, username: match[3]! });
  }
  return entries;
}

const SINGLE_LINE = /^[^\r\n\0]*$/;

const PARAMETERS = {
  /** The lpass program to run. */
  command: { type: "string", default: "lpass" },
  /** The LastPass account, named in the `lpass login` hint. */
  username: { type: "string" },
} as const;

const MASTER_PASSWORD = "`lpass login` (it prompts, or reads LPASS_ASKPASS); lpass keeps its own session";

export default defineVault((context: VaultContext): VaultExtension => {
  const { runtime, vaultName } = context;
  const parameters = readParameters(vaultName, context.parameters, PARAMETERS, {
    secretKeys: { password: MASTER_PASSWORD, masterPassword: MASTER_PASSWORD },
  });
  const command = parameters.command;
  const account = parameters.username ?? "<your LastPass email>";

  const loginRequired = () =>
    new SecretManagementError("PASSWORD_REQUIRED", `LastPass is logged out: run \`lpass login ${account}\``);

  async function lpass(args: string[], stdin?: string): Promise<CommandResult> {
    // With a value on stdin, lpass must never ask for the master password there: make any such
    // prompt fail instead (LPASS_ASKPASS), unless the user has their own askpass program.
    const env = stdin !== undefined && !runtime.env("LPASS_ASKPASS") ? { LPASS_ASKPASS: "false" } : undefined;
    const result = await runCommand(runtime, command, args, { stdin, env });
    if (result.code !== 0 && /lpass login|decryption key|Not logged in/i.test(result.stderr + result.stdout)) {
      throw loginRequired();
    }
    return result;
  }

  function failed(what: string, result: CommandResult): SecretManagementError {
    const reason = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
    return new SecretManagementError("IO_ERROR", `lpass ${what} failed: ${reason}`);
  }

  const ambiguous = (name: string, count: number) =>
    new SecretManagementError("AMBIGUOUS_NAME", `${count} LastPass entries are named "${name}"; rename or remove all but one`);

  /** The one entry named `name`, undefined when there is none; AMBIGUOUS_NAME when there are several. */
  async function find(name: string): Promise<LpassEntry | undefined> {
    const result = await lpass(["show", "--json", "--expand-multi", "--", name]);
    if (result.code !== 0) {
      if (/Could not find specified account/i.test(result.stderr)) return undefined;
      throw failed("show", result);
    }
    let entries: LpassEntry[];
    try {
      entries = JSON.parse(repairLpassJson(result.stdout));
    } catch {
      throw new SecretManagementError("IO_ERROR", "lpass show --json printed something that is not JSON");
    }
    // lpass also matches ids; only names count here.
    const named = entries.filter((entry) => entry.fullname === name || entry.name === name);
    if (named.length > 1) throw ambiguous(name, named.length);
    return named[0];
  }

  function valueOf(entry: LpassEntry): SecretValue {
    if (entry.username) return { username: entry.username, password: entry.password ?? "" };
    if (entry.password) return entry.password;
    return entry.note ?? "";
  }

  /** The fields to write for a value, refusing what lpass cannot hold exactly. */
  function fieldsFor(value: SecretValue): { username: string; password: string; notes?: string } {
    if (isCredential(value)) {
      const { username, password } = value as Credential;
      if (username === "" || !SINGLE_LINE.test(username) || !SINGLE_LINE.test(password)) {
        throw new SecretManagementError(
          "UNSUPPORTED",
          "a LastPass credential needs a non-empty username, and username and password on one line each",
        );
      }
      return { username, password };
    }
    if (typeof value !== "string") {
      throw new SecretManagementError("UNSUPPORTED", "LastPass holds strings and credentials only");
    }
    if (value.includes("\0")) {
      throw new SecretManagementError("UNSUPPORTED", "LastPass fields cannot hold NUL characters");
    }
    return SINGLE_LINE.test(value) ? { username: "", password: value, notes: "" } : { username: "", password: "", notes: value };
  }

  async function writeField(verb: "add" | "edit", field: "username" | "password" | "notes", name: string, value: string) {
    // lpass reads one line for username/password and all of stdin for notes, dropping one final newline.
    const result = await lpass([verb, "--non-interactive", `--${field}`, "--", name], `${value}\n`);
    if (result.code !== 0) throw failed(verb, result);
  }

  return {
    capabilities: { metadata: false, types: ["string", "credential"] },

    async getSecret(name) {
      const entry = await find(name);
      return entry && valueOf(entry);
    },

    async setSecret(name, value, _metadata, options) {
      const fields = fieldsFor(value);
      // Also proves lpass is logged in before a value goes to its stdin.
      const existing = await find(name);
      if (existing && options?.noClobber) {
        throw secretExists(name);
      }
      if (!existing) {
        const first = fields.username !== "" ? "username" : fields.password !== "" || fields.notes === "" ? "password" : "notes";
        await writeField("add", first, name, first === "notes" ? fields.notes! : fields[first]);
        if (first === "username") await writeField("edit", "password", name, fields.password);
        return;
      }
      if ((existing.username ?? "") !== fields.username) await writeField("edit", "username", name, fields.username);
      if ((existing.password ?? "") !== fields.password) await writeField("edit", "password", name, fields.password);
      if (fields.notes !== undefined && (existing.note ?? "") !== fields.notes) {
        await writeField("edit", "notes", name, fields.notes);
      }
    },

    async removeSecret(name) {
      const entry = await find(name);
      if (!entry) throw secretNotFound(name);
      const result = await lpass(["rm", "--", entry.id]);
      if (result.code !== 0) throw failed("rm", result);
    },

    async getSecretInfo(filter) {
      const matches = compileWildcard(filter);
      const result = await lpass(["ls", "--sync=now", "--color=never", "-l"]);
      if (result.code !== 0) throw failed("ls", result);
      const infos: VaultSecretInfo[] = [];
      for (const entry of parseLongListing(result.stdout)) {
        if (!matches(entry.fullname)) continue;
        infos.push({ name: entry.fullname, type: entry.username ? "credential" : "string", metadata: {} });
      }
      return infos;
    },

    async test() {
      const result = await lpass(["status"]);
      if (result.code !== 0) throw loginRequired();
      return true;
    },
  };
});
