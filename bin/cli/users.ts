/**
 * `unclip users`: the class's accounts from the command line (the same database the web server
 * uses: DATABASE_URL / DATA_DIR). Passwords are read from a prompt that does not echo, or from
 * standard input with --password-stdin (scripts; one line), never from an argument, where other
 * users of the machine could read them in the process list.
 */
import { closeDb } from "../../server/db/client";
import { addUser, listUsers, removeUser, setPassword } from "../../server/auth/users";
import { ROLES, type Role } from "../../server/auth/auth";
import { choiceFlag, parse, UsageError } from "./args";

export const USERS_USAGE = `usage: unclip users add NAME --role teacher|student [--password-stdin]
       unclip users list
       unclip users passwd NAME [--password-stdin]
       unclip users remove NAME
Accounts for class mode (UNCLIP_AUTH=on, or a network HOST). Without --password-stdin the
password is asked for twice, without echo. Changing a password or removing a user signs them out.`;

const MAX_STDIN = 4096;

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_STDIN) throw new UsageError(`--password-stdin: more than ${MAX_STDIN} bytes on standard input`);
    chunks.push(b);
  }
  // one line: the newline `echo` adds is not part of the password
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

/** Reads one line from the terminal without showing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new UsageError("no terminal to ask for the password on: pipe it in with --password-stdin"));
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === "\r" || c === "\n") return done();
        if (c === "\u0003") return done(new UsageError("cancelled"));
        if (c === "\u007f" || c === "\b") value = value.slice(0, -1);
        else value += c;
      }
    };
    stdin.on("data", onData);
  });
}

async function readPassword(values: Record<string, unknown>): Promise<string> {
  if (values["password-stdin"]) return readStdinPassword();
  const first = await promptHidden("Password: ");
  const again = await promptHidden("Password (again): ");
  if (first !== again) throw new UsageError("the two passwords differ");
  return first;
}

function oneName(positionals: string[], action: string): string {
  if (positionals.length !== 1) throw new UsageError(`users ${action} takes one NAME (got ${positionals.length})`);
  return positionals[0];
}

export async function usersCommand(argv: string[]): Promise<string> {
  const [action, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    role: { type: "string" },
    "password-stdin": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help || action === undefined || action === "--help" || action === "-h") return `${USERS_USAGE}\n`;
  try {
    switch (action) {
      case "add": {
        const name = oneName(positionals, "add");
        if (values.role === undefined) throw new UsageError("users add needs --role teacher or --role student");
        const role: Role = choiceFlag(values.role, "role", ROLES, "student");
        const user = await addUser(name, role, await readPassword(values));
        return `added ${user.username} (${user.role})\n`;
      }
      case "list": {
        if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const users = await listUsers();
        return users.map((u) => `${u.username}\t${u.role}\t${u.sessions} session${u.sessions === 1 ? "" : "s"}\n`).join("");
      }
      case "passwd": {
        const name = oneName(positionals, "passwd");
        await setPassword(name, await readPassword(values));
        return `password changed for ${name.toLowerCase()}; their sessions were ended\n`;
      }
      case "remove": {
        const name = oneName(positionals, "remove");
        await removeUser(name);
        return `removed ${name.toLowerCase()}; their sessions were ended (their workflows and runs stay)\n`;
      }
      default:
        throw new UsageError(`unknown users action "${action}" (add, list, passwd, remove)`);
    }
  } finally {
    await closeDb();
  }
}
