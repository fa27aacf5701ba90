/**
 * The artifact store: files under <DATA_DIR>/artifacts/<runId>/<artifactId>.<ext>, each with a
 * database record (kind "image", "preview" or "trace"). Every saved file has a record, previews
 * included, so one id-based resolver serves them all and nothing on disk is unaccounted for; the
 * gallery lists only "image".
 *
 * The file is written first (temp file, fsync, rename) and the record after: a crash in between
 * leaves at worst an unreferenced file, never a record without its file.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../errors";
import { getEnv } from "../env";
import { getDb } from "./client";
import type { Artifact } from "./generated/client";
import { isForeignKeyViolation, parseInput, readJson, RecordId, searchFold } from "./input";
import { artifactsOwnedBy, artifactsVisibleTo, PERSONAL_VIEWER, runsOwnedBy, type Viewer } from "./ownership";
import { readStoredSummary, type KeyParam } from "../../nodes/core/runSummary";

export const ARTIFACT_KINDS = ["image", "preview", "trace"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface ArtifactRecord {
  id: string;
  runId: string;
  nodeId: string;
  kind: ArtifactKind;
  /** Relative to the data directory, forward slashes. */
  path: string;
  width: number | null;
  height: number | null;
  /** sha256 of the file, lowercase hex. */
  contentHash: string;
  bytes: number;
  createdAt: Date;
  meta: Record<string, unknown> | null;
}

export interface ResolvedArtifact {
  /** Absolute path of the file, inside <DATA_DIR>/artifacts. */
  path: string;
  contentType: string;
  bytes: number;
  contentHash: string;
  kind: ArtifactKind;
  runId: string;
}

/** Artifact ids are 32 lowercase hex characters (128 random bits); nothing else is looked up. */
export const ARTIFACT_ID_RE = /^[0-9a-f]{32}$/;
const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
const MAX_META_CHARS = 100_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const EXTENSION: Record<ArtifactKind, string> = { image: "png", preview: "png", trace: "json" };
const CONTENT_TYPE: Record<ArtifactKind, string> = { image: "image/png", preview: "image/png", trace: "application/json" };

const SaveSchema = z.object({
  runId: RecordId,
  nodeId: z.string().min(1).max(64),
  kind: z.enum(ARTIFACT_KINDS),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes (a Buffer or Uint8Array)")
    .refine((d) => d.byteLength > 0, "must not be empty")
    .refine((d) => d.byteLength <= MAX_ARTIFACT_BYTES, `must be at most ${MAX_ARTIFACT_BYTES} bytes`),
  width: z.number().int().min(1).max(1_000_000).optional(),
  height: z.number().int().min(1).max(1_000_000).optional(),
  meta: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .refine((m) => m == null || (JSON.stringify(m)?.length ?? 0) <= MAX_META_CHARS, `must be at most ${MAX_META_CHARS} characters as JSON`),
});

export interface SaveArtifactInput {
  runId: string;
  /** The workflow node that produced it. */
  nodeId: string;
  kind: ArtifactKind;
  /** PNG bytes for "image" and "preview", JSON text bytes for "trace". */
  data: Uint8Array;
  width?: number;
  height?: number;
  /** Parameters shown in the gallery (prompt, seed, steps, ...). */
  meta?: Record<string, unknown> | null;
}

/** The folder all artifacts live under. */
export function artifactsRoot(): string {
  return path.join(getEnv().dataDir, "artifacts");
}

/**
 * Write an artifact file and record it. PNG kinds must be PNG data; their width and height are
 * read from the file (and must match when also given).
 */
export async function saveArtifact(input: SaveArtifactInput): Promise<ArtifactRecord> {
  const a = parseInput(SaveSchema, input, "artifact");
  const data = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  let width = a.width ?? null;
  let height = a.height ?? null;
  if (EXTENSION[a.kind] === "png") {
    const size = pngSize(data);
    if (!size) throw new InputError("bad_artifact", `artifact.data is not a PNG file (kind ${a.kind})`, { parameter: "artifact.data" });
    if ((width !== null && width !== size.width) || (height !== null && height !== size.height)) {
      throw new InputError("bad_artifact", `artifact size ${width}×${height} does not match the PNG's ${size.width}×${size.height}`, {
        parameter: "artifact.width",
      });
    }
    width = size.width;
    height = size.height;
  }

  const db = await getDb();
  // Check first so that no file is written for a run that does not exist.
  if (!(await db.run.findUnique({ where: { id: a.runId }, select: { id: true } }))) {
    throw new InputError("run_not_found", `run ${a.runId} not found`, { parameter: "artifact.runId" });
  }

  const id = randomBytes(16).toString("hex");
  const relPath = relativeArtifactPath(a.runId, id, a.kind);
  const absPath = path.join(getEnv().dataDir, ...relPath.split("/"));
  await mkdir(path.dirname(absPath), { recursive: true });
  await writeFileAtomic(absPath, data);
  const contentHash = createHash("sha256").update(data).digest("hex");
  try {
    const row = await db.artifact.create({
      data: {
        id,
        runId: a.runId,
        nodeId: a.nodeId,
        kind: a.kind,
        path: relPath,
        width,
        height,
        contentHash,
        bytes: data.byteLength,
        meta: a.meta == null ? null : JSON.stringify(a.meta),
      },
    });
    return toArtifactRecord(row);
  } catch (e) {
    await rm(absPath, { force: true });
    if (isForeignKeyViolation(e)) {
      throw new InputError("run_not_found", `run ${a.runId} not found`, { parameter: "artifact.runId" });
    }
    throw e;
  }
}

/**
 * The file behind an artifact id, for serving. Only ids of the generated form are accepted, the
 * path is rebuilt from the record's run id and kind (not taken from the request) and must resolve,
 * links followed, inside <DATA_DIR>/artifacts.
 */
export async function resolveArtifactPath(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<ResolvedArtifact> {
  if (typeof id !== "string" || !ARTIFACT_ID_RE.test(id)) {
    throw new InputError("bad_artifact_id", "artifact id must be 32 lowercase hexadecimal characters", { parameter: "id" });
  }
  const db = await getDb();
  const row = await db.artifact.findFirst({ where: { id, ...artifactsVisibleTo(viewer) } });
  if (!row) throw new InputError("artifact_not_found", `artifact ${id} not found`, { parameter: "id" });
  const kind = row.kind as ArtifactKind;
  if (!(kind in EXTENSION) || !RecordId.safeParse(row.runId).success) {
    throw new InputError("artifact_not_found", `artifact ${id} has an invalid record`, { parameter: "id" });
  }
  const root = artifactsRoot();
  const abs = path.join(getEnv().dataDir, ...relativeArtifactPath(row.runId, id, kind).split("/"));
  if (!isInside(root, abs)) throw new InputError("artifact_not_found", `artifact ${id} not found`, { parameter: "id" });
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw new InputError("artifact_missing", `artifact ${id} is recorded but its file is missing`, { parameter: "id" });
  }
  const realRoot = await realpath(root);
  if (!isInside(realRoot, real) || !(await stat(real)).isFile()) {
    throw new InputError("artifact_not_found", `artifact ${id} not found`, { parameter: "id" });
  }
  return { path: real, contentType: CONTENT_TYPE[kind], bytes: row.bytes, contentHash: row.contentHash, kind, runId: row.runId };
}

/** Characters of a gallery prompt filter. */
export const MAX_PROMPT_FILTER_CHARS = 200;

/** A gallery card: the image and what made it (prompt, key parameters, the workflow it came from). */
export type GalleryImage = ArtifactRecord & { prompt: string | null; keyParams: KeyParam[]; workflowId: string | null; batchId: string | null };

/**
 * Saved images (kind "image") for the gallery, newest first; pass the last id as `cursor` for more.
 * `prompt`: only images whose run's prompt contains this text (any case), matched in the database.
 */
export async function listGalleryImages(
  query: { limit?: number; cursor?: string; shared?: boolean; prompt?: string } = {},
  viewer: Viewer = PERSONAL_VIEWER,
): Promise<GalleryImage[]> {
  const q = parseInput(
    z.object({
      shared: z.boolean().optional(),
      limit: z.number().int().min(1).max(500).default(60),
      cursor: z.string().regex(ARTIFACT_ID_RE, "is not an artifact id").optional(),
      prompt: z.string().trim().max(MAX_PROMPT_FILTER_CHARS, `must be at most ${MAX_PROMPT_FILTER_CHARS} characters`).optional(),
    }),
    query,
    "query",
  );
  const db = await getDb();
  const rows = await db.artifact.findMany({
    where: {
      kind: "image",
      AND: [
        // own images, or (the gallery's "shared" filter) those of workflows shared with the class
        q.shared ? { run: { workflow: { shared: true } } } : artifactsOwnedBy(viewer),
        // folded the same way on both sides (case, LIKE's wildcards): see searchFold
        q.prompt ? { run: { promptSearch: { contains: searchFold(q.prompt) } } } : {},
      ],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
    include: { run: { select: { prompt: true, summary: true, workflowId: true, batchId: true } } },
  });
  return rows.map(({ run, ...row }) => ({
    ...toArtifactRecord(row),
    prompt: run.prompt,
    keyParams: readStoredSummary(run.summary).params,
    workflowId: run.workflowId,
    batchId: run.batchId,
  }));
}

/** One side of a comparison: the image, and the workflow (JSON text) of the run that made it. */
export interface CompareSide {
  id: string;
  url: string;
  runId: string;
  nodeId: string;
  width: number | null;
  height: number | null;
  createdAt: Date;
  prompt: string | null;
  workflowSnapshot: string;
}

/**
 * Two images the viewer may see (their own, or saved images of shared workflows' runs) with the
 * workflows that made them, for the compare view; either one out of reach is "not found".
 */
export async function compareImages(ids: { a: string; b: string }, viewer: Viewer = PERSONAL_VIEWER): Promise<{ a: CompareSide; b: CompareSide }> {
  const q = parseInput(
    z.object({ a: z.string().regex(ARTIFACT_ID_RE, "is not an artifact id"), b: z.string().regex(ARTIFACT_ID_RE, "is not an artifact id") }),
    ids,
    "ids",
  );
  const db = await getDb();
  const side = async (id: string, which: "a" | "b"): Promise<CompareSide> => {
    const row = await db.artifact.findFirst({
      where: { id, kind: { in: ["image", "preview"] }, ...artifactsVisibleTo(viewer) },
      include: { run: { select: { workflowSnapshot: true, prompt: true } } },
    });
    if (!row) throw new InputError("artifact_not_found", `image ${which.toUpperCase()} (${id}) not found`, { parameter: which });
    return {
      id: row.id,
      url: `/api/artifacts/${row.id}`,
      runId: row.runId,
      nodeId: row.nodeId,
      width: row.width,
      height: row.height,
      createdAt: row.createdAt,
      prompt: row.run.prompt,
      workflowSnapshot: row.run.workflowSnapshot,
    };
  };
  return { a: await side(q.a, "a"), b: await side(q.b, "b") };
}

export function toArtifactRecord(row: Artifact): ArtifactRecord {
  return {
    id: row.id,
    runId: row.runId,
    nodeId: row.nodeId,
    kind: row.kind as ArtifactKind,
    path: row.path,
    width: row.width,
    height: row.height,
    contentHash: row.contentHash,
    bytes: row.bytes,
    createdAt: row.createdAt,
    meta: readJson<Record<string, unknown> | null>(row.meta, null),
  };
}

function relativeArtifactPath(runId: string, id: string, kind: ArtifactKind): string {
  return `artifacts/${runId}/${id}.${EXTENSION[kind]}`;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== "..";
}

/** Width and height from a PNG's IHDR chunk, or null when `data` is not a PNG. */
function pngSize(data: Buffer): { width: number; height: number } | null {
  if (data.byteLength < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  if (data.toString("latin1", 12, 16) !== "IHDR") return null;
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * Write via a temp file in the same folder, fsync, then rename over the final name: readers see
 * the whole file or none of it, also after a crash.
 */
async function writeFileAtomic(target: string, data: Buffer): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable. Some file systems cannot fsync a folder; the file is
  // complete either way.
  try {
    const dh = await open(dir, "r");
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // best effort
  }
}

/**
 * A run's teaching traces (kind "trace"), one per node. Without a run id: those of the most
 * recent run that recorded any, so a reloaded editor finds the last traced run again.
 */
export async function listRunTraces(runId?: string, viewer: Viewer = PERSONAL_VIEWER): Promise<{ runId: string | null; traces: ArtifactRecord[] }> {
  const id = runId === undefined ? undefined : parseInput(z.string().min(1).max(64), runId, "runId");
  const db = await getDb();
  let target = id;
  if (target !== undefined && !(await db.run.findFirst({ where: { id: target, ...runsOwnedBy(viewer) }, select: { id: true } }))) {
    throw new InputError("run_not_found", `run ${target} not found`, { parameter: "runId" });
  }
  if (target === undefined) {
    const latest = await db.artifact.findFirst({ where: { kind: "trace", ...artifactsOwnedBy(viewer) }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    if (!latest) return { runId: null, traces: [] };
    target = latest.runId;
  }
  const rows = await db.artifact.findMany({ where: { runId: target, kind: "trace" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return { runId: target, traces: rows.map(toArtifactRecord) };
}
