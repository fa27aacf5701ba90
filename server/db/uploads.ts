/**
 * Who uploaded which input image (the files themselves: server/uploads.ts). A record per person
 * and file; the runs router lets a student's workflow name only images they uploaded.
 */
import { getDb } from "./client";
import { PERSONAL_VIEWER, uploadsOwnedBy, type Viewer } from "./ownership";

const UPLOAD_NAME = /^[0-9a-f]{64}\.[a-z0-9]{2,5}$/;

/** Record that the viewer uploaded `name` (again: nothing changes). */
export async function recordUpload(name: string, viewer: Viewer = PERSONAL_VIEWER): Promise<void> {
  const db = await getDb();
  await db.upload.upsert({ where: { ownerId_name: { ownerId: viewer.id, name } }, create: { ownerId: viewer.id, name }, update: {} });
}

/**
 * Of the upload names a workflow mentions, those the viewer may use; null means "any" (a teacher,
 * or the personal owner, whose uploads from before accounts have no records).
 */
export async function usableUploads(names: string[], viewer: Viewer = PERSONAL_VIEWER): Promise<Set<string> | null> {
  if (viewer.role === "teacher") return null;
  const wanted = [...new Set(names.filter((n) => UPLOAD_NAME.test(n)))].slice(0, 1_000);
  if (wanted.length === 0) return new Set();
  const db = await getDb();
  const rows = await db.upload.findMany({ where: { name: { in: wanted }, ...uploadsOwnedBy(viewer) }, select: { name: true } });
  return new Set(rows.map((r) => r.name));
}

/** Every string parameter of a workflow that looks like an upload name. */
export function uploadNamesIn(workflow: { nodes: { params: Record<string, unknown> }[] }): string[] {
  const out: string[] = [];
  for (const n of workflow.nodes) for (const v of Object.values(n.params)) if (typeof v === "string" && UPLOAD_NAME.test(v)) out.push(v);
  return out;
}
