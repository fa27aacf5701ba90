/**
 * What a node's runner receives from the executor (server-only types; no implementation here).
 * Runners never import the executor, the database or Next.js: everything they need comes in here.
 */
import type { UnclipComponents } from "../../server/unclip/components";
import type { NodeDeclaration, ParamsOf } from "../core/types";

export interface ArtifactRef {
  id: string;
  url: string;
  width: number;
  height: number;
  kind: "image" | "preview" | "trace";
}

export interface NodeProgress {
  step: number;
  steps: number;
  timestep?: number;
  /** Small PNG of the current predicted x0, when previews are due (see `previewEvery`). */
  preview?: Uint8Array;
}

export interface NodeRunContext {
  runId: string;
  nodeId: string;
  signal: AbortSignal;
  /** Send a preview every k steps (0 = never). */
  previewEvery: number;
  progress(p: NodeProgress): void;
  /** Load (or reuse) a model package by its folder name under the models directory. */
  loadPackage(name: string): Promise<UnclipComponents>;
  /** Read a file under the data directory's uploads (validated name). */
  readUpload(name: string): Promise<Uint8Array>;
  /** Store an image: saved images get a database record; previews are kept only for the run. */
  saveImage(png: Uint8Array, info: { width: number; height: number; kind: "image" | "preview"; index: number }): Promise<ArtifactRef>;
  /**
   * The workflow being run, as JSON, to embed in saved PNGs: parameters that nodes resolved while
   * running (a randomized seed's drawn value) are written in, so the image can be reproduced.
   */
  readonly workflowJson: string;
  /** True when this run asked for a teaching trace of this node (the per-run or per-node switch). */
  readonly trace: boolean;
  /** Add a part to this node's trace (stored with the run as a JSON artifact); ignored when not tracing. */
  addTrace(part: string, data: unknown): void;
}

/** What a runner returns: values for its output ports, and what the editor shows on the node. */
export interface NodeResult {
  outputs: Record<string, unknown>;
  /** Parameter values this run actually used, where they differ from the saved ones (e.g. a drawn seed). */
  resolvedParams?: Record<string, unknown>;
  ui?: {
    images?: ArtifactRef[];
    inspect?: unknown;
    text?: string;
    /** The node's teaching trace (a JSON artifact), when the run recorded one. */
    trace?: ArtifactRef;
  };
}

export type NodeRunner<P = Record<string, unknown>> = (ctx: NodeRunContext, inputs: Record<string, unknown>, params: P) => Promise<NodeResult>;

/** What `defineRunner` accepts: a runner that may also return its result directly (nothing to await). */
export type RunnerBody<P> = (ctx: NodeRunContext, inputs: Record<string, unknown>, params: P) => NodeResult | Promise<NodeResult>;

/** A node type as the server knows it: its declaration and the runner that executes it. */
export interface NodeImplementation {
  readonly declaration: NodeDeclaration;
  readonly run: NodeRunner;
}

/**
 * Pairs a declaration with its runner. The runner's parameters are typed from the declaration's
 * zod schemas: the executor hands it the values validation parsed with those very schemas
 * (`parseParams` in nodes/core/graphRules.ts), defaults filled in, so no runner parses again.
 */
export function defineRunner<const D extends NodeDeclaration>(declaration: D, run: RunnerBody<ParamsOf<D>>): NodeImplementation {
  // awaited inside an async function, so a runner that throws synchronously still rejects
  return { declaration, run: async (ctx, inputs, params) => await run(ctx, inputs, params as ParamsOf<D>) };
}
