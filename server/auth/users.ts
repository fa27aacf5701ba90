/**
 * Accounts, as the teacher manages them (the `unclip users` command and the Class page): add,
 * list, change a password, remove. Passwords are hashed by Better Auth (scrypt) and stored in its
 * account table; a changed password or a removed user ends that user's sessions at once.
 */
import { randomInt } from "node:crypto";
import { z } from "zod";
import { getDb } from "../db/client";
import { InputError } from "../errors";
import { getAuth, ROLES, type Role } from "./auth";

/** Usernames as Better Auth's username plugin accepts them here (lower-cased). */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_.]{2,32}$/, "must be 2–32 letters, digits, '_' or '.'");
export const Password = z.string().min(8, "must be at least 8 characters").max(128, "must be at most 128 characters");

export interface UserInfo {
  id: string;
  username: string;
  role: Role;
  createdAt: Date;
  /** Sessions that have not expired. */
  sessions: number;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError("bad_user", `${what} ${r.error.issues[0]?.message ?? "is invalid"}`, { parameter: what });
  return r.data;
}

const notFound = (name: string) => new InputError("user_not_found", `user ${name} not found`, { parameter: "name" });

export async function addUser(name: string, role: Role, password: string): Promise<UserInfo> {
  const username = parse(Username, name, "username");
  const r = parse(z.enum(ROLES), role, "role");
  const pw = parse(Password, password, "password");
  const db = await getDb();
  if (await db.user.findUnique({ where: { username }, select: { id: true } })) {
    throw new InputError("user_exists", `user ${username} already exists (use "unclip users passwd ${username}" to set a new password)`, { parameter: "name" });
  }
  const ctx = await (await getAuth()).$context;
  const hash = await ctx.password.hash(pw);
  const user = await ctx.internalAdapter.createUser(
    {
      // Better Auth needs an e-mail address; nobody signs in with it and .invalid never resolves
      email: `${username}@users.unclip.invalid`,
      name: username,
      username,
      displayUsername: username,
      role: r,
      emailVerified: false,
    },
    { method: "admin" },
  );
  await ctx.internalAdapter.linkAccount({ userId: user.id, providerId: "credential", accountId: user.id, password: hash });
  return { id: user.id, username, role: r, createdAt: user.createdAt, sessions: 0 };
}

export async function listUsers(): Promise<UserInfo[]> {
  const db = await getDb();
  const rows = await db.user.findMany({
    orderBy: [{ role: "asc" }, { username: "asc" }],
    select: {
      id: true,
      username: true,
      name: true,
      role: true,
      createdAt: true,
      _count: { select: { sessions: { where: { expiresAt: { gt: new Date() } } } } },
    },
  });
  return rows.map((u) => ({
    id: u.id,
    username: u.username ?? u.name,
    role: u.role === "teacher" ? "teacher" : "student",
    createdAt: u.createdAt,
    sessions: u._count.sessions,
  }));
}

async function findUser(name: string): Promise<{ id: string; username: string }> {
  const username = parse(Username, name, "username");
  const db = await getDb();
  const row = await db.user.findUnique({ where: { username }, select: { id: true } });
  if (!row) throw notFound(username);
  return { id: row.id, username };
}

/** A new password; the user's sessions end (whoever had the old one is signed out). */
export async function setPassword(name: string, password: string): Promise<void> {
  const pw = parse(Password, password, "password");
  const { id } = await findUser(name);
  const ctx = await (await getAuth()).$context;
  await ctx.internalAdapter.updatePassword(id, await ctx.password.hash(pw));
  const db = await getDb();
  await db.session.deleteMany({ where: { userId: id } });
}

/** Remove the account and its sessions; their workflows and runs stay (the teacher sees them). */
export async function removeUser(name: string): Promise<void> {
  const { id } = await findUser(name);
  const db = await getDb();
  // one statement: sessions and the password go with the user (ON DELETE CASCADE)
  await db.user.delete({ where: { id } });
}

// no 0/O, 1/l/I: read off a printed sheet
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** A password to hand out on paper: 12 characters (~59 bits) from an unambiguous alphabet. */
export function generatePassword(): string {
  let s = "";
  for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** Add students from pasted names (one per line or comma-separated); each gets a fresh password. */
export async function addStudents(names: string[]): Promise<{ username: string; password: string }[]> {
  const list = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ""))];
  if (list.length > 200) throw new InputError("bad_user", `at most 200 students at once (${list.length} given)`, { parameter: "names" });
  for (const n of list) parse(Username, n, `username "${n}"`);
  const out: { username: string; password: string }[] = [];
  for (const username of list) {
    const password = generatePassword();
    await addUser(username, "student", password);
    out.push({ username, password });
  }
  return out;
}
