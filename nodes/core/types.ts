/**
 * A node type is declared as data: ports, parameters (zod schemas with defaults, ranges and
 * widget hints), docs and a version. The executor and the editor are generic and learn
 * everything from these declarations. This file is browser-safe (zod only); each node's runner
 * lives beside it in a `*.run.ts` file that only the server imports.
 */
import type { z } from "zod";

/** Port data types, with the colour the editor draws for ports and wires of that type. */
export const DATA_TYPES = {
  TOKENIZER: { color: "#a78bfa", description: "A CLIP tokenizer (vocabulary and merges) from a model package." },
  TEXT_ENCODER: { color: "#c084fc", description: "The CLIP text encoder graph." },
  PRIOR: { color: "#f472b6", description: "The prior graph with its clip_mean/clip_std." },
  TEXT_PROJ: { color: "#fb7185", description: "The text_proj graph with its learned unconditional embedding." },
  DECODER: { color: "#f97316", description: "The decoder UNet." },
  SUPER_RES: { color: "#facc15", description: "The two super-resolution UNets (first and last)." },
  SUPER_RES_FIRST: { color: "#fde047", description: "super_res_first: the super-resolution UNet of every step but the last." },
  SUPER_RES_LAST: { color: "#eab308", description: "super_res_last: the super-resolution UNet of the last, almost noise-free step." },
  IMAGE_ENCODER: { color: "#a3e635", description: "The CLIP image encoder graph." },
  IMAGE_PROCESSOR: { color: "#4ade80", description: "CLIP image preprocessing settings (resize, crop, normalise)." },
  SCHEDULER: { color: "#2dd4bf", description: "An UnCLIPScheduler: its noise schedule and step count." },
  TOKENS: { color: "#22d3ee", description: "Token ids and attention mask for a batch of prompts." },
  TEXT_EMBEDDING: { color: "#38bdf8", description: "Pooled CLIP text embeddings, hidden states and mask (conditional and unconditional)." },
  IMAGE_EMBEDDING: { color: "#60a5fa", description: "CLIP image embeddings, one row per image to make." },
  DECODER_CONDITIONING: { color: "#818cf8", description: "text_proj's output: extra context tokens, additive time embedding, mask." },
  LATENTS: { color: "#e879f9", description: "A float tensor of noise or latents." },
  NOISY_LATENTS: {
    color: "#d946ef",
    description: "A sampler's latents part way through its schedule, with the step they stopped at and the schedule, so another sampler can continue.",
  },
  IMAGE: { color: "#f8fafc", description: "A batch of images (values in [-1, 1], channels first), with its size." },
  STRING: { color: "#94a3b8", description: "Text." },
  INT: { color: "#64748b", description: "A whole number." },
  FLOAT: { color: "#475569", description: "A number." },
  SEED: { color: "#fde68a", description: "A random seed." },
  BOOLEAN: { color: "#84cc16", description: "Yes or no (a switch)." },
} as const;

export type DataType = keyof typeof DATA_TYPES;
/** "*" accepts any type (e.g. the tensor inspector). */
export type PortType = DataType | "*";

export interface PortSpec {
  name: string;
  type: PortType;
  label: string;
  description?: string;
  /** Optional inputs may stay unconnected (a parameter or a default is used instead). */
  optional?: boolean;
}

export type Widget = "number" | "slider" | "text" | "textarea" | "select" | "seed" | "model" | "toggle" | "file" | "image";

/** A parameter: its name and zod schema are typed, so a runner's parameters follow from the declaration (`ParamsOf`). */
export interface ParamSpec<N extends string = string, S extends z.ZodType = z.ZodType> {
  name: N;
  label: string;
  description?: string;
  schema: S;
  default: unknown;
  widget: Widget;
  min?: number;
  max?: number;
  step?: number;
  options?: readonly string[];
}

export interface NodeDeclaration {
  /** Stable id, e.g. "unclip.prior". */
  type: string;
  /** Bumped when outputs for the same inputs change (invalidates cached results). */
  version: number;
  title: string;
  category: string;
  /** One plain-language paragraph: what this stage does (teaching is a main use). */
  description: string;
  inputs: readonly PortSpec[];
  outputs: readonly PortSpec[];
  params: readonly ParamSpec[];
  /** Output nodes (save, preview, inspect) are what a run executes backwards from. */
  output?: boolean;
  /** false: never cached (e.g. a node drawing a fresh random seed). A function decides per parameters. */
  cacheable?: boolean | ((params: Record<string, unknown>) => boolean);
  /** Notes are drawn but never executed. */
  executable?: boolean;
  /**
   * For the explain view: the formula the stage applies and a plain account of it. Placeholders
   * are filled from the node and its last run: {params.NAME}, {trace.steps}, {trace.firstTimestep},
   * {trace.lastTimestep}, {trace.guidanceScale}, {trace.cosineToText}, {trace.ms},
   * {ports.PORT.shape|mean|std|min|max}.
   */
  explain?: { formula: string; text: string };
}

export function defineNode<const T extends NodeDeclaration>(decl: T): T {
  return decl;
}

/** Keeps a parameter's literal name and schema type (a plain `ParamSpec` annotation would widen them). */
export function defineParam<const N extends string, S extends z.ZodType>(spec: ParamSpec<N, S>): ParamSpec<N, S> {
  return spec;
}

/** The parsed parameter values of a declaration, typed from its zod schemas (what a runner receives). */
export type ParamsOf<D extends { params: readonly ParamSpec[] }> = D extends unknown
  ? { [P in D["params"][number] as P["name"]]: z.output<P["schema"]> }
  : never;

/** JSON-serialisable form of a declaration, for the editor (`nodes.catalog`). */
export interface CatalogParam extends Omit<ParamSpec, "schema"> {
  jsonSchema: unknown;
}
export interface CatalogNode extends Omit<NodeDeclaration, "params" | "cacheable"> {
  params: CatalogParam[];
}
