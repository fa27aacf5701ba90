/**
 * Checks the CLI makes before any model loads, so that bad input is one line and exit 2 rather
 * than a crash, a hang or a stack trace at the end of a long run:
 * - prompts are held to the editor's limit (the Tokenizer's prompt parameter): longer ones crash
 *   the native tokenizer;
 * - input files must be regular files and are read only up to their size on disk (`/dev/zero`
 *   or a FIFO would be read forever);
 * - output and intermediates paths must be writable places on a real file system (Node's
 *   recursive mkdir never returns under /proc);
 * - guidance scales must be finite and within the editor's range (1e30 only makes NaN images).
 */
import { constants, statfsSync, statSync } from "node:fs";
import { access, open } from "node:fs/promises";
import path from "node:path";
import { tokenizerNode } from "../../nodes/tokenizer/node";
import { InputError } from "../../server/errors";
import { flagText, floatFlag, UsageError } from "./args";

/** The largest input file read (a 16-image float64 super-res latent is ≈ 25 MB). */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024;

/** The editor's guidance range (nodes/params.ts guidanceParam). */
export const GUIDANCE_RANGE = { min: 0, max: 100 } as const;

const promptSchema = tokenizerNode.params.find((p) => p.name === "prompt")!.schema;
const MAX_PROMPT_CHARS = 20_000;

export function checkPrompts(prompts: readonly string[] | undefined): void {
  for (const [i, prompt] of (prompts ?? []).entries()) {
    if (!promptSchema.safeParse(prompt).success) {
      throw new InputError(
        "prompt_too_long",
        `--prompt${prompts!.length > 1 ? ` #${i + 1}` : ""}: ${prompt.length} characters; the limit is ${MAX_PROMPT_CHARS} (the same as the editor's)`,
        {},
      );
    }
  }
}

export function guidanceFlag(value: unknown, flag: string): number | undefined {
  const n = floatFlag(value, flag);
  if (n !== undefined && (n < GUIDANCE_RANGE.min || n > GUIDANCE_RANGE.max)) {
    throw new UsageError(`--${flag} must be between ${GUIDANCE_RANGE.min} and ${GUIDANCE_RANGE.max}, got ${flagText(value)}`);
  }
  return n;
}

/** Flags with three or more dashes ("----model") are typos parseArgs would take for a value. */
export function checkDashes(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === "--") return;
    if (/^-{3,}[^-]/.test(a)) throw new UsageError(`unknown flag "${a.split("=")[0]}" (did you mean "--${a.replace(/^-+/, "").split("=")[0]}"?)`);
  }
}

/**
 * An input file's bytes: it must be a regular file no larger than MAX_INPUT_FILE_BYTES, and no
 * more than its size on disk is read (a file that grows meanwhile is not followed).
 */
export async function readInputFile(file: string, flag: string): Promise<Buffer> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError("not_a_file", `--${flag}: ${file} is not a regular file`, { file });
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError("unreadable_file", `--${flag}: ${file}: ${code === "ENOENT" ? "no such file" : `cannot read (${code})`}`, { file });
  }
  if (virtualFsOf(file)) throw new InputError("not_a_file", `--${flag}: ${file} is on ${virtualFsOf(file)}, not a regular file`, { file });
  if (size > MAX_INPUT_FILE_BYTES) {
    throw new InputError("file_too_large", `--${flag}: ${file} is ${size} bytes; at most ${MAX_INPUT_FILE_BYTES} are read`, { file });
  }
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await handle.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await handle.close();
  }
}

const VIRTUAL_PREFIXES = ["/proc", "/sys", "/dev"];
// statfs magic numbers of file systems that are views of the kernel, not storage
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: "procfs",
  0x62656572: "sysfs",
  0x1cd1: "devpts",
  0x27e0eb: "cgroupfs",
  0x63677270: "cgroup2fs",
  0x64626720: "debugfs",
};

/** "procfs" etc. when `p` (or its nearest existing ancestor) is on a kernel file system. */
function virtualFsOf(p: string): string | null {
  const abs = path.resolve(p);
  for (const prefix of VIRTUAL_PREFIXES) if (abs === prefix || abs.startsWith(prefix + "/")) return prefix.slice(1) + "fs";
  try {
    const type = Number(statfsSync(nearestExisting(abs)).type);
    return VIRTUAL_FS[type] ?? null;
  } catch {
    return null;
  }
}

function nearestExisting(abs: string): string {
  let dir = abs;
  for (;;) {
    try {
      statSync(dir);
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return dir;
      dir = parent;
    }
  }
}

/**
 * Can the CLI create `dir` (or write into it)? Checked on the nearest existing ancestor, without
 * creating anything yet: it must be a directory on a real file system that we may write to.
 */
export async function checkWritableDir(dir: string, flag: string): Promise<void> {
  const abs = path.resolve(dir);
  const fs = virtualFsOf(abs);
  if (fs) throw new InputError("unwritable_output", `--${flag}: ${dir} is on ${fs}, where files cannot be written`, { file: dir });
  const existing = nearestExisting(abs);
  const st = statSync(existing);
  if (!st.isDirectory()) {
    throw new InputError("unwritable_output", `--${flag}: ${dir}: ${existing} is a file, not a directory`, { file: dir });
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new InputError("unwritable_output", `--${flag}: ${dir}: ${existing} is not writable`, { file: dir });
  }
}

/** An output file: its directory must be writable and the path itself not a directory or device. */
export async function checkOutputPath(file: string, flag: string): Promise<void> {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError("unwritable_output", `--${flag}: ${file} exists and is not a regular file`, { file });
  } catch (err) {
    if (err instanceof InputError) throw err;
  }
  await checkWritableDir(path.dirname(path.resolve(file)), flag);
}
