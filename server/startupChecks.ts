/**
 * Checks made once before the server takes requests. A data directory that cannot be written
 * would otherwise turn every request into a plain 500; refusing to start with one line saying
 * which directory and why is the clearer answer.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "./env";

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "it is on a read-only file system",
  ENOTDIR: "a part of the path is a file, not a directory",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  ENOENT: "a part of the path does not exist and cannot be created",
};

/** null when DATA_DIR can be created and written, otherwise the one line to print. */
export function dataDirProblem(env: Env): string | null {
  const probe = path.join(env.dataDir, `.write-test-${process.pid}`);
  try {
    mkdirSync(env.dataDir, { recursive: true });
    writeFileSync(probe, "ok");
    rmSync(probe, { force: true });
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const why = REASONS[code] ?? (err as Error).message;
    return `unCLIP Studio cannot start: the data directory ${env.dataDir} (DATA_DIR) is not writable: ${why}${code ? ` (${code})` : ""}`;
  }
}
