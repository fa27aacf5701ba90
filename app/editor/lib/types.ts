/**
 * The editor's view of a graph: React Flow nodes and edges whose data carries what the saved
 * workflow needs (node type, parameters, title). Handles are named after the ports they stand for.
 */
import type { Edge, Node } from "@xyflow/react";
import type { CatalogNode, PortType } from "../../../nodes/core/types";
import type { NODE_COLORS } from "../../../nodes/core/workflow";

/** "fixed" keeps a seed parameter as typed; "randomize" draws a new one before every run. */
export type SeedMode = "fixed" | "randomize";

/** A bypassed node passes its inputs through; a muted one does not run (nor what needs it). */
export type NodeMode = "bypass" | "mute";

export type StudioNodeData = {
  type: string;
  params: Record<string, unknown>;
  title?: string;
  seedModes?: Record<string, SeedMode>;
  /** Record a teaching trace of this node on every run. */
  trace?: boolean;
  /** Bypassed or muted (absent: runs normally). */
  mode?: NodeMode;
  /** Drawn as its title bar only. */
  collapsed?: boolean;
  /** Not moved by dragging or by auto-layout. */
  pinned?: boolean;
  /** Title bar tint. */
  color?: NodeColor;
  /** Parameters taken from wires ("Convert to input"; nodes/core/paramInputs.ts). */
  paramInputs?: string[];
};

export type NodeColor = (typeof NODE_COLORS)[number];

/** What the node menu changes about how a node looks and moves (saved with the workflow). */
export type NodeLook = Pick<StudioNodeData, "collapsed" | "pinned" | "color">;

export type StudioNode = Node<StudioNodeData, "studio">;

/** A point on the canvas (flow coordinates). */
export type Point = { x: number; y: number };

/** `points`: reroute points the wire is drawn through, from its output to its input (saved as the link's `points`). */
export type StudioEdgeData = { portType: PortType; points?: Point[] };

/**
 * A frame around nodes (saved as the workflow's `groups`): membership is explicit, its bounds
 * follow its members (lib/groups.ts). `selected` is UI state, never saved.
 */
export interface StudioGroup {
  id: string;
  title: string;
  color?: NodeColor;
  nodes: string[];
  collapsed?: boolean;
  selected?: boolean;
}

export type StudioEdge = Edge<StudioEdgeData>;

/** Node types by id, as the server's catalog lists them. */
export type Catalog = ReadonlyMap<string, CatalogNode>;

export function indexCatalog(nodes: readonly CatalogNode[]): Catalog {
  return new Map(nodes.map((n) => [n.type, n]));
}

/** The editor's graph: what undo/redo, clipboard and saving operate on. */
export interface GraphDoc {
  nodes: StudioNode[];
  edges: StudioEdge[];
  /** Frames; absent means none (the graph store always holds an array). */
  groups?: StudioGroup[];
}
