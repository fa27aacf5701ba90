/**
 * The saved workflow format: versioned JSON with named parameters (never positional), node
 * positions and links. Older versions are migrated on load; see docs/WORKFLOW-FORMAT.md.
 * Browser-safe (zod only): the editor imports it for export/import.
 */
import { z } from "zod";
import { describeValue } from "./describeValue";
import { Sweep } from "./sweepFormat";

export const WORKFLOW_FORMAT = "unclip-studio/workflow";
/**
 * 2: the optional top-level `sweep` (XY grids). Bumped although the field is optional because an
 * app that knows only version 1 would drop it silently and run one image instead of the grid;
 * version 2 makes such an app refuse the file instead.
 */
export const WORKFLOW_VERSION = 2;

export const WorkflowNode = z.object({
  id: z.string().min(1).max(64),
  type: z.string().min(1).max(128),
  params: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
  title: z.string().max(200).optional(),
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
  /** Record a teaching trace of this node on every run (see docs/TEACHING.md). */
  trace: z.boolean().optional(),
  /**
   * "bypass": the node does not run and each output passes on its first input of the same type;
   * "mute": the node does not run, nor anything that cannot run without it. Absent: runs.
   */
  mode: z.enum(["bypass", "mute"]).optional(),
  /** Drawn as its title bar only. */
  collapsed: z.boolean().optional(),
  /** Not moved by dragging or by auto-layout. */
  pinned: z.boolean().optional(),
  /** A tint for the title bar, one of NODE_COLORS. */
  color: z.enum(["red", "orange", "green", "blue", "purple"]).optional(),
  /** Parameters taken from wires instead of their widgets ("Convert to input"); see paramInputs.ts. */
  paramInputs: z.array(z.string().min(1).max(64)).max(64).optional(),
});

/** The tints a node's title bar may have. */
export const NODE_COLORS = ["red", "orange", "green", "blue", "purple"] as const;

/** At most this many reroute points on one link (a wire is drawn, not routed by hand point by point). */
export const MAX_LINK_POINTS = 32;
/** At most this many frames in a workflow. */
export const MAX_GROUPS = 100;

/** A canvas point; finite and within a generous canvas so a bad file cannot push the view to infinity. */
const CanvasPoint = z.object({ x: z.number().finite().min(-1e6).max(1e6), y: z.number().finite().min(-1e6).max(1e6) });

export const WorkflowLink = z.object({
  id: z.string().min(1).max(64),
  from: z.object({ node: z.string(), port: z.string() }),
  to: z.object({ node: z.string(), port: z.string() }),
  /** Reroute points the wire is drawn through, in order from its output to its input (editor only). */
  points: z.array(CanvasPoint).max(MAX_LINK_POINTS).optional(),
});

/**
 * A frame (group) drawn around nodes in the editor: membership is explicit (node ids), the frame's
 * bounds follow its members. Editor only: validation and the executor never look at it.
 */
export const WorkflowGroup = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  /** A tint, one of NODE_COLORS; absent: neutral. */
  color: z.enum(NODE_COLORS).optional(),
  /** Ids of its member nodes; a node is in at most one frame. */
  nodes: z.array(z.string().min(1).max(64)).min(1).max(500),
  /** Drawn as its title bar only; its members are hidden. */
  collapsed: z.boolean().optional(),
});

export const Workflow = z.object({
  format: z.literal(WORKFLOW_FORMAT),
  version: z.literal(WORKFLOW_VERSION),
  name: z.string().max(200).optional(),
  nodes: z.array(WorkflowNode).max(500),
  links: z.array(WorkflowLink).max(2000),
  /** Frames around nodes (editor only; optional, so version 1 files without it stay valid). */
  groups: z.array(WorkflowGroup).max(MAX_GROUPS).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  /** Run every combination of up to two parameters' values as one grid (sweep.ts). Since version 2. */
  sweep: Sweep.optional(),
});

export type WorkflowNode = z.infer<typeof WorkflowNode>;
export type WorkflowLink = z.infer<typeof WorkflowLink>;
export type WorkflowGroup = z.infer<typeof WorkflowGroup>;
export type Workflow = z.infer<typeof Workflow>;

export class WorkflowFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkflowFormatError";
  }
}

/** A step from format version N to N + 1: takes the raw object, returns it in the next shape. */
export type WorkflowMigration = (w: Record<string, unknown>) => Record<string, unknown>;

/**
 * 1 → 2 (sweeps): a version-1 file has no sweep. Version 1 ignored unknown top-level keys, so a
 * stray `sweep` in a version-1 file never meant anything and must not start meaning a grid now:
 * it is dropped. Everything else is already in version 2's shape.
 */
export const migrateV1toV2: WorkflowMigration = (w) => {
  const { sweep: _ignored, ...rest } = w;
  return rest;
};

/** Migrations from version N to N + 1, applied in order. Version 1 is the first. */
const MIGRATIONS: Readonly<Record<number, WorkflowMigration>> = { 1: migrateV1toV2 };

/**
 * Bring a raw workflow object of any supported version up to `target` by running the migrations
 * one version at a time. Checks only the envelope (format and version); the caller checks the
 * shape. `migrations` and `target` default to this app's; tests pass their own.
 */
export function upgradeWorkflow(
  raw: unknown,
  migrations: Readonly<Record<number, WorkflowMigration>> = MIGRATIONS,
  target: number = WORKFLOW_VERSION,
): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new WorkflowFormatError("a workflow must be a JSON object");
  let w = raw as Record<string, unknown>;
  if (w.format !== WORKFLOW_FORMAT) {
    throw new WorkflowFormatError(
      `"format" must be "${WORKFLOW_FORMAT}"${w.format === undefined ? " (it is missing)" : `, not ${describeValue(w.format, 60)}`}`,
    );
  }
  let version = w.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new WorkflowFormatError(`"version" must be a positive integer, not ${describeValue(version, 60)}`);
  }
  if (version > target) {
    throw new WorkflowFormatError(`workflow format version ${version} is newer than this app supports (${target}); update the app to open it`);
  }
  while (version < target) {
    // Own keys only: a version such as "constructor" must never reach Object.prototype.
    const migrate = Object.hasOwn(migrations, version) ? migrations[version] : undefined;
    if (!migrate) throw new WorkflowFormatError(`no migration from workflow format version ${version}`);
    try {
      w = { ...migrate(w), version: version + 1 };
    } catch (err) {
      throw new WorkflowFormatError(`cannot migrate workflow format version ${version} to ${version + 1}: ${(err as Error)?.message ?? String(err)}`);
    }
    version += 1;
  }
  return w;
}

/** Parse any supported version into the current one; throws WorkflowFormatError with a reason. */
export function parseWorkflow(raw: unknown): Workflow {
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch (err) {
      throw new WorkflowFormatError(`not valid JSON: ${(err as Error).message}`);
    }
  }
  const w = upgradeWorkflow(raw);
  const parsed = Workflow.safeParse(w);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WorkflowFormatError(`${issue.path.join(".") || "workflow"}: ${issue.message}`);
  }
  const ids = new Set<string>();
  for (const n of parsed.data.nodes) {
    if (ids.has(n.id)) throw new WorkflowFormatError(`node id "${n.id}" is used twice`);
    ids.add(n.id);
  }
  // Errors name links by id, and the editor keys its edges by it: two links must not share one.
  const linkIds = new Set<string>();
  for (const l of parsed.data.links) {
    if (linkIds.has(l.id)) throw new WorkflowFormatError(`link id "${l.id}" is used twice`);
    linkIds.add(l.id);
  }
  checkGroups(parsed.data.groups ?? [], ids);
  return parsed.data;
}

/** Frames: unique ids, members that exist, and each node in one frame at most. */
function checkGroups(groups: readonly WorkflowGroup[], nodeIds: ReadonlySet<string>): void {
  const groupIds = new Set<string>();
  const memberOf = new Map<string, string>();
  for (const g of groups) {
    if (groupIds.has(g.id)) throw new WorkflowFormatError(`group id "${g.id}" is used twice`);
    groupIds.add(g.id);
    for (const n of g.nodes) {
      if (!nodeIds.has(n)) throw new WorkflowFormatError(`group "${g.id}" names node "${n}", which is not in the workflow`);
      const other = memberOf.get(n);
      if (other !== undefined) {
        throw new WorkflowFormatError(
          other === g.id
            ? `group "${g.id}" names node "${n}" twice`
            : `node "${n}" is in two groups ("${other}" and "${g.id}"); a node is in one group at most`,
        );
      }
      memberOf.set(n, g.id);
    }
  }
}

/**
 * The groups of a workflow cut down to the nodes kept (frames left empty go), for code that
 * takes part of a workflow: its groups must name only nodes that are still there to parse again.
 */
export function groupsWithin(groups: readonly WorkflowGroup[] | undefined, kept: ReadonlySet<string>): { groups?: WorkflowGroup[] } {
  const left = (groups ?? []).map((g) => ({ ...g, nodes: g.nodes.filter((id) => kept.has(id)) })).filter((g) => g.nodes.length > 0);
  return left.length ? { groups: left } : {};
}

export function emptyWorkflow(name?: string): Workflow {
  return { format: WORKFLOW_FORMAT, version: WORKFLOW_VERSION, name, nodes: [], links: [] };
}
