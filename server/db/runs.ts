/**
 * Runs and the persisted queue. A run is created "queued" and moves
 *   queued → running → finished | failed | cancelled,   queued → cancelled | failed,
 * and "running" → "interrupted" when the process that ran it died. Each transition is one
 * UPDATE guarded by the expected status, so two callers racing cannot both win.
 *
 * Queue order is `queuePosition` ascending (ties: oldest first). Enqueue takes max + 1,
 * move-to-front takes min − 1 of the queued runs.
 */
import { z } from "zod";
import { InputError, isUnclipError } from "../errors";
import { getDb } from "./client";
import type { Prisma, Run } from "./generated/client";
import { isForeignKeyViolation, isNotFound, jsonText, parseInput, readJson, RecordId, searchFold } from "./input";
import { type ArtifactKind, type ArtifactRecord, toArtifactRecord } from "./artifacts";
import { PERSONAL_VIEWER, runsOwnedBy, runsVisibleTo, type Viewer, isTeacher } from "./ownership";
import { PROMPT_CHARS, promptAndName, readStoredSummary, type KeyParam, type RunSummary as RunLabelSummary } from "../../nodes/core/runSummary";
import { parseWorkflow } from "../../nodes/core/workflow";

export const RUN_STATUSES = ["queued", "running", "finished", "failed", "cancelled", "interrupted"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What is stored as a run's error. */
export interface RunErrorInfo {
  code: string;
  message: string;
  kind?: string;
  where?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RunOptions {
  /** Decode a preview every N steps (0: never). */
  previewEvery?: number;
  /** Record a trace of every step. */
  trace?: boolean;
  /** Other options are stored as given. */
  [key: string]: unknown;
}

export interface RunRecord {
  id: string;
  workflowId: string | null;
  /** JSON text of the graph that ran. */
  workflowSnapshot: string;
  status: RunStatus;
  queuePosition: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: RunErrorInfo | null;
  ranNodes: string[];
  cachedNodes: string[];
  timings: Record<string, unknown> | null;
  options: RunOptions;
  /** How many times it was started (a worker that died mid-run makes it 2). */
  attempt: number;
  /** The worker process that ran it (queue in Redis), or null. */
  workerId: string | null;
  /** Who queued it ("local" in personal mode). */
  ownerId: string;
  /** Its fair-queue round (runs start in fairRank, then queuePosition order). */
  fairRank: number;
  /** Shared by the runs of one "Run ×N" (null: queued alone). */
  batchId: string | null;
  /** The prompt's first characters (nodes/core/runSummary.ts), or null when the workflow has none. */
  prompt: string | null;
  /** Key parameters (seeds, guidance, steps) for cards and labels. */
  keyParams: KeyParam[];
  /** The workflow's name as it ran (a template's, an unsaved workflow's), for labels when it has no saved workflow. */
  runName: string | null;
}

export type RunSummary = Omit<RunRecord, "workflowSnapshot"> & {
  workflowName: string | null;
  artifactCounts: Record<ArtifactKind, number>;
};

export type RunWithArtifacts = RunRecord & { artifacts: ArtifactRecord[] };

/** The outcome of a run that executed, fully or partly. */
export interface RunResult {
  ranNodes?: string[];
  cachedNodes?: string[];
  timings?: Record<string, unknown> | null;
}

const NodeIds = z.array(z.string().min(1).max(64)).max(10_000);
const Timings = z.record(z.string(), z.unknown()).nullable();
const ResultSchema = z.object({ ranNodes: NodeIds.optional(), cachedNodes: NodeIds.optional(), timings: Timings.optional() });
const OptionsSchema = z.looseObject({
  previewEvery: z.number().int().min(0).max(100_000).optional(),
  trace: z.boolean().optional(),
});
const ErrorSchema = z.looseObject({
  code: z.string().min(1).max(200),
  message: z.string().max(100_000),
  kind: z.string().max(200).optional(),
  where: z.record(z.string(), z.unknown()).optional(),
});
const KeyParams = z.array(z.object({ label: z.string().max(300), value: z.string().max(300) })).max(32);
const EnqueueSchema = z.object({
  workflowId: RecordId.nullable().optional(),
  ownerId: RecordId.optional(),
  snapshot: jsonText("snapshot"),
  options: OptionsSchema.optional(),
  batchId: RecordId.nullable().optional(),
  summary: z.object({ prompt: z.string().max(PROMPT_CHARS).nullable(), name: z.string().max(200).nullable(), params: KeyParams }).optional(),
});

/** Prompt and name of a snapshot when the caller gave no summary (an unreadable snapshot has none). */
function summaryOfSnapshot(value: unknown): RunLabelSummary {
  try {
    return promptAndName(parseWorkflow(value));
  } catch {
    return { prompt: null, name: null, params: [] };
  }
}

const notFound = (id: string) => new InputError("run_not_found", `run ${id} not found`, { parameter: "id" });

/** Turn a thrown value into the stored error shape (keeps code, kind and place of our errors). */
export function toRunError(e: unknown): RunErrorInfo {
  if (isUnclipError(e)) return { code: e.code, message: e.message, kind: e.kind, where: { ...e.where } };
  if (e instanceof Error) return { code: "internal", message: e.message || e.name, kind: "runtime" };
  return { code: "internal", message: String(e), kind: "runtime" };
}

/** Create a queued run at the back of the queue. */
export async function enqueueRun(input: {
  workflowId?: string | null;
  /** Who queues it (default: the personal owner). */
  ownerId?: string;
  /** JSON text of the graph to run. */
  snapshot: string;
  // Either form: an interface without an index signature is not assignable to RunOptions.
  options?: RunOptions | { previewEvery?: number; trace?: boolean };
  /** The "Run ×N" it belongs to. */
  batchId?: string | null;
  /** Prompt and key parameters (summarizeWorkflow); without it only the prompt is read from the snapshot. */
  summary?: RunLabelSummary;
}): Promise<RunRecord> {
  const { workflowId, snapshot, options, ownerId = PERSONAL_VIEWER.id, batchId, summary: given } = parseInput(EnqueueSchema, input, "run");
  const summary = given ?? summaryOfSnapshot(snapshot.value);
  const prompt = summary.prompt;
  const db = await getDb();
  try {
    // On SQLite the transaction holds the write lock from its start (BEGIN IMMEDIATE, see
    // sqlite.ts), so the max cannot change before the insert; on PostgreSQL two concurrent
    // enqueues may tie, and the tie is broken by createdAt.
    const row = await db.$transaction(async (tx) => {
      const max = await tx.run.aggregate({ _max: { queuePosition: true } });
      // Fair queuing by rounds: the round now being served is the rank of the run that started
      // last; a user's next run goes one round past their previous waiting or running run, and
      // never before the current round. So with A's five runs waiting, B's first run lands in
      // the round being served and starts next, and each user's own runs keep their order.
      const last = await tx.run.findFirst({
        where: { startedAt: { not: null } },
        orderBy: [{ startedAt: "desc" }, { id: "desc" }],
        select: { fairRank: true },
      });
      const own = await tx.run.aggregate({ where: { ownerId, status: { in: ["queued", "running"] } }, _max: { fairRank: true } });
      const fairRank = Math.max(last?.fairRank ?? 0, (own._max.fairRank ?? 0) + 1);
      return tx.run.create({
        data: {
          workflowId: workflowId ?? null,
          workflowSnapshot: snapshot.text,
          status: "queued",
          queuePosition: (max._max.queuePosition ?? 0) + 1,
          ownerId,
          fairRank,
          options: JSON.stringify(options ?? {}),
          batchId: batchId ?? null,
          prompt,
          promptSearch: prompt === null ? null : searchFold(prompt),
          summary: summary.params.length || summary.name ? JSON.stringify({ name: summary.name, params: summary.params }) : null,
        },
      });
    });
    return toRunRecord(row);
  } catch (e) {
    if (isForeignKeyViolation(e)) {
      throw new InputError("workflow_not_found", `workflow ${workflowId} not found`, { parameter: "workflowId" });
    }
    throw e;
  }
}

/** The queued run that should start next, or null when the queue is empty. */
export async function nextQueuedRun(): Promise<RunRecord | null> {
  const db = await getDb();
  const row = await db.run.findFirst({ where: { status: "queued" }, orderBy: QUEUE_ORDER });
  return row ? toRunRecord(row) : null;
}

export async function markRunning(id: string): Promise<RunRecord> {
  return transition(id, ["queued"], "running", { startedAt: new Date() });
}

export async function markFinished(id: string, result: RunResult = {}): Promise<RunRecord> {
  return transition(id, ["running"], "finished", { finishedAt: new Date(), ...resultData(result) });
}

export async function markFailed(id: string, error: RunErrorInfo, result: RunResult = {}): Promise<RunRecord> {
  const err = parseInput(ErrorSchema, error, "error");
  return transition(id, ["queued", "running"], "failed", {
    finishedAt: new Date(),
    error: JSON.stringify(err),
    ...resultData(result),
  });
}

/** Cancel a queued or running run (the executor has stopped it). */
export async function markCancelled(id: string, result: RunResult = {}, error?: RunErrorInfo): Promise<RunRecord> {
  const err = parseInput(ErrorSchema, error ?? { code: "cancelled", message: "run cancelled", kind: "cancelled" }, "error");
  return transition(id, ["queued", "running"], "cancelled", {
    finishedAt: new Date(),
    error: JSON.stringify(err),
    ...resultData(result),
  });
}

/** Cancel a run that has not started. A running run must be stopped through the executor. */
export async function cancelQueuedRun(id: string): Promise<RunRecord> {
  return transition(id, ["queued"], "cancelled", {
    finishedAt: new Date(),
    error: JSON.stringify({ code: "cancelled", message: "cancelled before it started", kind: "cancelled" }),
  });
}

/** Cancel every queued run; returns how many. */
export async function clearQueuedRuns(): Promise<number> {
  const db = await getDb();
  const { count } = await db.run.updateMany({
    where: { status: "queued" },
    data: {
      status: "cancelled",
      finishedAt: new Date(),
      error: JSON.stringify({ code: "cancelled", message: "removed from the queue", kind: "cancelled" }),
    },
  });
  return count;
}

/**
 * Put a queued run first: for a teacher (and in personal mode) first in the whole queue; for a
 * student first among their own runs, in the place their earliest waiting run had (a student
 * cannot jump the class's queue).
 */
export async function moveRunToFront(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<RunRecord> {
  const rid = parseInput(RecordId, id, "id");
  const db = await getDb();
  const run = await db.run.findFirst({ where: { id: rid, ...runsOwnedBy(viewer) }, select: { ownerId: true } });
  if (!run) throw notFound(rid);
  // One statement, so a concurrent move or enqueue cannot interleave between reading the
  // minimum and writing it. Plain SQL that SQLite and PostgreSQL both accept.
  const count = isTeacher(viewer)
    ? await db.$executeRaw`
    UPDATE "Run" SET "queuePosition" = (SELECT MIN("queuePosition") FROM "Run" WHERE "status" = 'queued') - 1,
      "fairRank" = (SELECT MIN("fairRank") FROM "Run" WHERE "status" = 'queued')
    WHERE "id" = ${rid} AND "status" = 'queued'`
    : await db.$executeRaw`
    UPDATE "Run" SET "queuePosition" = (SELECT MIN("queuePosition") FROM "Run" WHERE "status" = 'queued' AND "ownerId" = ${run.ownerId}) - 1,
      "fairRank" = (SELECT MIN("fairRank") FROM "Run" WHERE "status" = 'queued' AND "ownerId" = ${run.ownerId})
    WHERE "id" = ${rid} AND "status" = 'queued'`;
  if (count === 0) await throwStateError(rid, ["queued"], "moved to the front");
  return getRunRecord(rid);
}

/** Fails with run_not_found unless the run is the viewer's to cancel or reorder. */
export async function assertRunOwned(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<void> {
  const rid = parseInput(RecordId, id, "id");
  const db = await getDb();
  if (!(await db.run.findFirst({ where: { id: rid, ...runsOwnedBy(viewer) }, select: { id: true } }))) throw notFound(rid);
}

/** Whether the run is the viewer's (its events go to them on the live stream). */
export async function runVisibleTo(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<boolean> {
  if (isTeacher(viewer)) return true;
  if (!RecordId.safeParse(id).success) return false;
  const db = await getDb();
  return (await db.run.findFirst({ where: { id, ...runsOwnedBy(viewer) }, select: { id: true } })) !== null;
}

/** The highest fair round among waiting runs (0 when none wait). */
export async function lastQueuedRank(): Promise<number> {
  const db = await getDb();
  return (await db.run.aggregate({ where: { status: "queued" }, _max: { fairRank: true } }))._max.fairRank ?? 0;
}

/** How many runs the owner has waiting (the per-user cap in class mode). */
export async function countQueuedRunsOf(ownerId: string): Promise<number> {
  const db = await getDb();
  return db.run.count({ where: { ownerId, status: "queued" } });
}

/**
 * Where the viewer stands in the queue without showing anyone else's runs: their own waiting
 * runs in start order, each with how many runs (anyone's) start before it.
 */
export async function queueStanding(viewer: Viewer): Promise<{ runId: string; ahead: number }[]> {
  const db = await getDb();
  const queued = await db.run.findMany({ where: { status: "queued" }, orderBy: QUEUE_ORDER, select: { id: true, ownerId: true }, take: 10_000 });
  const out: { runId: string; ahead: number }[] = [];
  queued.forEach((r, i) => {
    if (isTeacher(viewer) || r.ownerId === viewer.id) out.push({ runId: r.id, ahead: i });
  });
  return out;
}

/**
 * After a crash or restart, runs still marked "running" belong to a process that is gone: mark
 * them "interrupted". Call it once at startup, from the process that executes runs, before it
 * takes work from the queue. Returns how many runs were marked.
 */
export async function markInterruptedOnStartup(): Promise<number> {
  const db = await getDb();
  const { count } = await db.run.updateMany({
    where: { status: "running" },
    data: {
      status: "interrupted",
      finishedAt: new Date(),
      error: JSON.stringify({
        code: "interrupted",
        message: "the server stopped while this run was running; it was not finished",
        kind: "runtime",
      }),
    },
  });
  return count;
}

/** Recent runs first, with their artifact counts. */
export async function listRuns(query: { limit?: number; cursor?: string; status?: RunStatus } = {}, viewer: Viewer = PERSONAL_VIEWER): Promise<RunSummary[]> {
  const q = parseInput(
    z.object({
      limit: z.number().int().min(1).max(500).default(50),
      cursor: RecordId.optional(),
      status: z.enum(RUN_STATUSES).optional(),
    }),
    query,
    "query",
  );
  const db = await getDb();
  const rows = await db.run.findMany({
    where: { ...runsOwnedBy(viewer), ...(q.status ? { status: q.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
    omit: { workflowSnapshot: true, leaseToken: true, leaseUntil: true, promptSearch: true },
    include: { workflow: { select: { name: true } } },
  });
  const counts = rows.length
    ? await db.artifact.groupBy({ by: ["runId", "kind"], where: { runId: { in: rows.map((r) => r.id) } }, _count: { _all: true } })
    : [];
  return rows.map(({ workflow, ...row }) => {
    const artifactCounts: Record<ArtifactKind, number> = { image: 0, preview: 0, trace: 0 };
    for (const c of counts) {
      if (c.runId === row.id && c.kind in artifactCounts) artifactCounts[c.kind as ArtifactKind] = c._count._all;
    }
    const fields = toRunFields(row);
    return { ...fields, workflowName: workflow?.name ?? fields.runName, artifactCounts };
  });
}

/** One run with its artifacts (oldest first). */
export async function getRun(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<RunWithArtifacts> {
  const rid = parseInput(RecordId, id, "id");
  const db = await getDb();
  const row = await db.run.findFirst({
    where: { id: rid, ...runsVisibleTo(viewer) },
    include: { artifacts: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
  });
  if (!row) throw notFound(rid);
  const { artifacts, ...run } = row;
  return { ...toRunRecord(run), artifacts: artifacts.map(toArtifactRecord) };
}

/** Queued runs in the order they will start, with the names of their saved workflows (queue labels). */
export async function listPendingRuns(): Promise<(RunRecord & { workflowName: string | null })[]> {
  const db = await getDb();
  const rows = await db.run.findMany({ where: { status: "queued" }, orderBy: QUEUE_ORDER, include: { workflow: { select: { name: true } } } });
  return rows.map(({ workflow, ...row }) => {
    const run = toRunRecord(row);
    return { ...run, workflowName: workflow?.name ?? run.runName };
  });
}

/** Start order: fair round first (see enqueueRun), then queue position. */
const QUEUE_ORDER: Prisma.RunOrderByWithRelationInput[] = [{ fairRank: "asc" }, { queuePosition: "asc" }, { createdAt: "asc" }, { id: "asc" }];

async function getRunRecord(id: string): Promise<RunRecord> {
  const db = await getDb();
  const row = await db.run.findUnique({ where: { id } });
  if (!row) throw notFound(id);
  return toRunRecord(row);
}

async function transition(id: string, from: RunStatus[], to: RunStatus, data: Prisma.RunUpdateInput): Promise<RunRecord> {
  const rid = parseInput(RecordId, id, "id");
  const db = await getDb();
  try {
    return toRunRecord(await db.run.update({ where: { id: rid, status: { in: from } }, data: { ...data, status: to } }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  return throwStateError(rid, from, `marked ${to}`);
}

async function throwStateError(id: string, from: RunStatus[], action: string): Promise<never> {
  const db = await getDb();
  const row = await db.run.findUnique({ where: { id }, select: { status: true } });
  if (!row) throw notFound(id);
  throw new InputError("run_state", `run ${id} is ${row.status}, so it cannot be ${action} (only a ${from.join(" or ")} run can)`, {
    parameter: "id",
  });
}

function resultData(result: RunResult): Prisma.RunUpdateInput {
  const r = parseInput(ResultSchema, result, "result");
  const data: Prisma.RunUpdateInput = {};
  if (r.ranNodes) data.ranNodes = JSON.stringify(r.ranNodes);
  if (r.cachedNodes) data.cachedNodes = JSON.stringify(r.cachedNodes);
  if (r.timings !== undefined) data.timings = r.timings === null ? null : JSON.stringify(r.timings);
  return data;
}

function toRunRecord(row: Run): RunRecord {
  return { ...toRunFields(row), workflowSnapshot: row.workflowSnapshot };
}

function toRunFields(row: Omit<Run, "workflowSnapshot" | "leaseToken" | "leaseUntil" | "promptSearch">): Omit<RunRecord, "workflowSnapshot"> {
  const stored = readStoredSummary(row.summary);
  return {
    id: row.id,
    workflowId: row.workflowId,
    status: row.status as RunStatus,
    queuePosition: row.queuePosition,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: readJson<RunErrorInfo | null>(row.error, null),
    ranNodes: readJson<string[]>(row.ranNodes, []),
    cachedNodes: readJson<string[]>(row.cachedNodes, []),
    timings: readJson<Record<string, unknown> | null>(row.timings, null),
    options: readJson<RunOptions>(row.options, {}),
    attempt: row.attempt,
    workerId: row.workerId,
    ownerId: row.ownerId,
    fairRank: row.fairRank,
    batchId: row.batchId,
    prompt: row.prompt,
    keyParams: stored.params,
    runName: stored.name,
  };
}

/** Runs looked at for node history (newest first), and the most results kept per node. */
const HISTORY_RUNS = 40;
export const MAX_HISTORY_PER_NODE = 20;

export interface NodeResultEntry {
  runId: string;
  createdAt: Date;
  images: { id: string; url: string; width: number; height: number; kind: ArtifactKind }[];
}

const HistoryQuery = z
  .object({
    /** A saved workflow's runs, */
    workflowId: RecordId.optional(),
    /** or these runs (an unsaved tab remembers the runs it queued). */
    runIds: z.array(RecordId).max(HISTORY_RUNS).optional(),
    perNode: z.number().int().min(1).max(MAX_HISTORY_PER_NODE).default(10),
  })
  .refine((q) => (q.workflowId === undefined) !== (q.runIds === undefined), "give either workflowId or runIds");

/**
 * Each node's results in the viewer's own recent runs of a workflow (or of the given runs),
 * newest first: what the editor puts back on the nodes after a reload and steps through with ‹ ›.
 * Only stored pictures count (saved images, previews): they are what outlives the run.
 */
export async function listNodeHistory(
  query: { workflowId?: string; runIds?: string[]; perNode?: number },
  viewer: Viewer = PERSONAL_VIEWER,
): Promise<Record<string, NodeResultEntry[]>> {
  const q = parseInput(HistoryQuery, query, "query");
  const db = await getDb();
  const runs = await db.run.findMany({
    where: { ...runsOwnedBy(viewer), ...(q.workflowId !== undefined ? { workflowId: q.workflowId } : { id: { in: q.runIds } }) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: HISTORY_RUNS,
    select: { id: true, createdAt: true },
  });
  if (!runs.length) return {};
  const rows = await db.artifact.findMany({
    where: { runId: { in: runs.map((r) => r.id) }, kind: { in: ["image", "preview"] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, runId: true, nodeId: true, kind: true, width: true, height: true },
  });
  const byRun = new Map<string, Map<string, NodeResultEntry["images"]>>();
  for (const a of rows) {
    const nodes = byRun.get(a.runId) ?? new Map<string, NodeResultEntry["images"]>();
    byRun.set(a.runId, nodes);
    const images = nodes.get(a.nodeId) ?? [];
    nodes.set(a.nodeId, images);
    images.push({ id: a.id, url: `/api/artifacts/${a.id}`, width: a.width ?? 0, height: a.height ?? 0, kind: a.kind as ArtifactKind });
  }
  const out: Record<string, NodeResultEntry[]> = {};
  for (const run of runs) {
    for (const [nodeId, images] of byRun.get(run.id) ?? []) {
      const list = (out[nodeId] ??= []);
      if (list.length < q.perNode) list.push({ runId: run.id, createdAt: run.createdAt, images });
    }
  }
  return out;
}
