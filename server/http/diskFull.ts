/**
 * A full disk (or quota) under DATA_DIR: recognised whichever layer noticed it (a file write's
 * ENOSPC, SQLite's SQLITE_FULL through Prisma), so the API can answer 507 Insufficient Storage
 * with one sentence instead of a 500.
 */
export const DISK_FULL_CODE = "disk_full";
export const DISK_FULL_MESSAGE = "the disk holding the data directory (DATA_DIR) is full: nothing was stored; free some space and try again";

export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { code?: unknown; message?: unknown };
    if (o.code === "ENOSPC" || o.code === "EDQUOT" || o.code === "SQLITE_FULL" || o.code === DISK_FULL_CODE) return true;
    if (typeof o.message === "string" && /SQLITE_FULL|database or disk is full|ENOSPC|no space left on device/i.test(o.message)) return true;
  }
  return false;
}
