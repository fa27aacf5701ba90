/**
 * Saved workflows. The graph is stored as the JSON text the caller validated; this module only
 * checks that it is JSON. Every write is one statement, so a crash mid-save leaves either the old
 * or the new workflow, never a mix.
 */
import { z } from "zod";
import { InputError } from "../errors";
import { getDb } from "./client";
import { DisplayName, RecordId, isNotFound, jsonText, parseInput } from "./input";
import { PERSONAL_VIEWER, type Viewer, workflowsOwnedBy, workflowsVisibleTo } from "./ownership";

export interface WorkflowSummary {
  id: string;
  name: string;
  updatedAt: Date;
  /** The user it belongs to ("local" in personal mode). */
  ownerId: string;
  /** Shared read-only with the class. */
  shared: boolean;
  /** Published by a teacher as a class template. */
  classTemplate: boolean;
}

export interface WorkflowRecord extends WorkflowSummary {
  /** The workflow JSON text. */
  graph: string;
  schemaVersion: number;
  createdAt: Date;
}

const SchemaVersion = z.number().int().min(1).max(1_000_000);
const Timestamp = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v));

const notFound = (id: string) => new InputError("workflow_not_found", `workflow ${id} not found`, { parameter: "id" });

const SUMMARY = { id: true, name: true, updatedAt: true, ownerId: true, shared: true, classTemplate: true } as const;

/**
 * The workflows the viewer may open, most recently changed first. `scope` "mine" keeps the
 * viewer's own, "shared" those others shared with the class, "templates" the class templates.
 */
export async function listWorkflows(viewer: Viewer = PERSONAL_VIEWER, scope: "all" | "mine" | "shared" | "templates" = "all"): Promise<WorkflowSummary[]> {
  const db = await getDb();
  const narrow =
    scope === "mine"
      ? { ownerId: viewer.id }
      : scope === "shared"
        ? { shared: true, NOT: { ownerId: viewer.id } }
        : scope === "templates"
          ? { classTemplate: true }
          : {};
  return db.workflow.findMany({
    where: { AND: [workflowsVisibleTo(viewer), narrow] },
    select: SUMMARY,
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: 5_000,
  });
}

export async function getWorkflow(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<WorkflowRecord> {
  const wid = parseInput(RecordId, id, "id");
  const db = await getDb();
  const row = await db.workflow.findFirst({ where: { id: wid, ...workflowsVisibleTo(viewer) } });
  if (!row) throw notFound(wid);
  return row;
}

/** Fails with workflow_not_found unless the viewer may change the workflow. */
async function assertMayChange(id: string, viewer: Viewer): Promise<void> {
  const db = await getDb();
  const row = await db.workflow.findFirst({ where: { id, ...workflowsOwnedBy(viewer) }, select: { id: true } });
  if (!row) throw notFound(id);
}

/**
 * Store a new workflow. `schemaVersion` defaults to the graph's own `version` field.
 */
export async function createWorkflow(name: string, graphJson: string, schemaVersion?: number, viewer: Viewer = PERSONAL_VIEWER): Promise<WorkflowRecord> {
  const n = parseInput(DisplayName, name, "name");
  const graph = parseInput(jsonText("graph"), graphJson, "graph");
  const version = resolveVersion(graph.value, schemaVersion);
  const db = await getDb();
  return db.workflow.create({ data: { name: n, graph: graph.text, schemaVersion: version, ownerId: viewer.id } });
}

export interface UpdateWorkflowOptions {
  /**
   * The `updatedAt` the caller loaded. When given, the save succeeds only if nobody saved in
   * between; otherwise it fails with code "workflow_conflict" and changes nothing.
   */
  expectedUpdatedAt?: Date | string;
  /** Defaults to the graph's `version` field. */
  schemaVersion?: number;
}

/** Replace a workflow's graph. */
export async function updateWorkflow(
  id: string,
  graphJson: string,
  options: UpdateWorkflowOptions = {},
  viewer: Viewer = PERSONAL_VIEWER,
): Promise<WorkflowRecord> {
  const wid = parseInput(RecordId, id, "id");
  await assertMayChange(wid, viewer);
  const graph = parseInput(jsonText("graph"), graphJson, "graph");
  const version = resolveVersion(graph.value, options.schemaVersion);
  const expected = options.expectedUpdatedAt === undefined ? undefined : parseInput(Timestamp, options.expectedUpdatedAt, "expectedUpdatedAt");
  return conditionalWrite(wid, expected, { graph: graph.text, schemaVersion: version });
}

export async function renameWorkflow(id: string, name: string, viewer: Viewer = PERSONAL_VIEWER): Promise<WorkflowRecord> {
  const wid = parseInput(RecordId, id, "id");
  const n = parseInput(DisplayName, name, "name");
  await assertMayChange(wid, viewer);
  return conditionalWrite(wid, undefined, { name: n });
}

/**
 * Share a workflow with the class (read-only for others), or publish it as a class template
 * (teachers only: the router allows it to teachers alone).
 */
export async function setWorkflowSharing(
  id: string,
  sharing: { shared?: boolean; classTemplate?: boolean },
  viewer: Viewer = PERSONAL_VIEWER,
): Promise<WorkflowRecord> {
  const wid = parseInput(RecordId, id, "id");
  await assertMayChange(wid, viewer);
  return conditionalWrite(wid, undefined, sharing);
}

/** Delete a workflow. Its runs stay, with their snapshot, and lose the link. */
export async function deleteWorkflow(id: string, viewer: Viewer = PERSONAL_VIEWER): Promise<void> {
  const wid = parseInput(RecordId, id, "id");
  const db = await getDb();
  const { count } = await db.workflow.deleteMany({ where: { id: wid, ...workflowsOwnedBy(viewer) } });
  if (count === 0) throw notFound(wid);
}

/** Copy a workflow the viewer may read under a new name (default: "<name> (copy)"); the copy is theirs. */
export async function duplicateWorkflow(id: string, name?: string, viewer: Viewer = PERSONAL_VIEWER): Promise<WorkflowRecord> {
  const source = await getWorkflow(id, viewer);
  const n = name === undefined ? `${source.name} (copy)`.slice(0, 200) : parseInput(DisplayName, name, "name");
  const db = await getDb();
  return db.workflow.create({ data: { name: n, graph: source.graph, schemaVersion: source.schemaVersion, ownerId: viewer.id } });
}

function resolveVersion(graph: unknown, given: number | undefined): number {
  if (given !== undefined) return parseInput(SchemaVersion, given, "schemaVersion");
  const v = graph && typeof graph === "object" && !Array.isArray(graph) ? (graph as { version?: unknown }).version : undefined;
  if (!SchemaVersion.safeParse(v).success) {
    throw new InputError("bad_input", "schemaVersion is required when the graph has no integer version field", {
      parameter: "schemaVersion",
    });
  }
  return v as number;
}

/**
 * One UPDATE guarded by the row's current `updatedAt`, which moves strictly forward (at least
 * 1 ms past the old value) so that two saves within one millisecond still differ. Without an
 * expected value the current one is read first and a lost race is retried.
 */
async function conditionalWrite(
  id: string,
  expected: Date | undefined,
  data: { graph?: string; schemaVersion?: number; name?: string; shared?: boolean; classTemplate?: boolean },
): Promise<WorkflowRecord> {
  const db = await getDb();
  for (let attempt = 0; attempt < 10; attempt++) {
    let current = expected;
    if (!current) {
      const row = await db.workflow.findUnique({ where: { id }, select: { updatedAt: true } });
      if (!row) throw notFound(id);
      current = row.updatedAt;
    }
    const updatedAt = new Date(Math.max(Date.now(), current.getTime() + 1));
    try {
      return await db.workflow.update({ where: { id, updatedAt: current }, data: { ...data, updatedAt } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const now = await db.workflow.findUnique({ where: { id }, select: { updatedAt: true } });
    if (!now) throw notFound(id);
    if (expected) {
      throw new InputError(
        "workflow_conflict",
        `workflow ${id} was saved elsewhere at ${now.updatedAt.toISOString()} after it was loaded (${expected.toISOString()}); reload it or save a copy`,
        { parameter: "expectedUpdatedAt" },
      );
    }
  }
  throw new InputError("workflow_conflict", `workflow ${id} keeps changing; try again`);
}
