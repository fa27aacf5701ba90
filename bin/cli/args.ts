/** Strict command-line parsing on node:util's parseArgs; every problem is a UsageError (exit 2). */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(msg);
  }
}

/** A flag's value as text, as `String` writes it (parseArgs gives strings, booleans and arrays of them). */
export function flagText(value: unknown): string {
  return Array.isArray(value) ? value.map(flagText).join(",") : String(value);
}

export function intFlag(value: unknown, flag: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const s = flagText(value).trim();
  if (!/^[+-]?\d+$/.test(s)) throw new UsageError(`--${flag} must be an integer, got "${flagText(value)}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${flag} is out of range: ${flagText(value)}`);
  if (n < min) throw new UsageError(`--${flag} must be at least ${min}, got ${n}`);
  return n;
}

export function floatFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const s = flagText(value).trim();
  const n = s === "" ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a finite number, got "${flagText(value)}"`);
  return n;
}

export function choiceFlag<T extends string>(value: unknown, flag: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${flag} must be one of ${choices.join(", ")}, got "${flagText(value)}"`);
  return value as T;
}
