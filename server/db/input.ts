/**
 * Input checks shared by the repositories: every value from a caller goes through a zod schema,
 * and a failure becomes an InputError that names the parameter.
 */
import { z } from "zod";
import { InputError } from "../errors";
import { Prisma } from "./generated/client";

/** C0 controls and DEL: never part of a name a person typed. */
function isControlCharacter(c: string): boolean {
  const code = c.codePointAt(0)!;
  return code <= 0x1f || code === 0x7f;
}

/** Ids made by the database (cuid) or by us; also keeps ids safe to use in file paths. */
export const RecordId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "is not a valid id");

/** A display name: trimmed, 1–200 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .refine((s) => ![...s].some(isControlCharacter), "must not contain control characters");

/** Stored JSON texts are bounded so one bad request cannot fill the database. */
export const MAX_JSON_CHARS = 10_000_000;

/** JSON text that parses; returns the parsed value alongside. */
export function jsonText(what: string) {
  return z
    .string()
    .max(MAX_JSON_CHARS, `must be at most ${MAX_JSON_CHARS} characters`)
    .transform((text, ctx) => {
      try {
        return { text, value: JSON.parse(text) as unknown };
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `is not valid JSON (${(e as Error).message})` });
        return z.NEVER;
      }
    })
    .describe(what);
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, parameter: string, code = "bad_input"): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length ? `${parameter}.${issue.path.join(".")}` : parameter;
  // Our own messages read as predicates ("must not be empty"); zod's defaults are sentences.
  const sep = /^[a-z]/.test(issue.message) ? " " : ": ";
  throw new InputError(code, `${where}${sep}${issue.message}`, { parameter: where });
}

/** Parse stored JSON; a damaged value degrades to `fallback` instead of breaking a listing. */
export function readJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Prisma's "no row matched the where clause" error. */
export function isNotFound(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2025";
}

/** A foreign key pointed at a row that does not exist. */
export function isForeignKeyViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2003";
}

/**
 * Text as the prompt filter stores and matches it: lower-cased (LIKE folds case on SQLite, not on
 * PostgreSQL), and with LIKE's special characters (% _ and PostgreSQL's escape \) swapped for
 * private-use characters, because Prisma's `contains` passes them on as patterns: "100%" must
 * match the text "100%", not "100 anything".
 */
export function searchFold(text: string): string {
  return text.toLowerCase().replace(/[%_\\]/g, (c) => String.fromCharCode(0xe000 + "%_\\".indexOf(c)));
}
