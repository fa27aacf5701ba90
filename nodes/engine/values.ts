/**
 * What flows on the wires between runners (server-only). Every value but plain numbers, strings
 * and tensors carries a `kind`, so generic nodes (the tensor inspector) and the executor's cache
 * can tell them apart; `valueBytes` sizes any of them for the cache's byte-bounded LRU.
 */
import type { Component, SchedulerComponent } from "../../server/runtime/modelPackage";
import { UnclipComponents } from "../../server/unclip/components";
import type { DecoderConditioning } from "../../server/unclip/decoderStage";
import type { TextRows } from "../../server/unclip/encodePrompt";
import type { RgbImage } from "../../server/unclip/imageProcessor";
import { UnCLIPScheduler, type UnCLIPSchedulerConfig } from "../../server/unclip/scheduler";
import type { BoolNdArray, Float32NdArray, Int64NdArray, NdArray } from "../../server/unclip/tensor";

/** Parts of a package a handle can stand for; "super_res" is the pair of UNets, "super_res_first"/"_last" one each. */
export type HandleComponent =
  "tokenizer" | "text_encoder" | "prior" | "text_proj" | "decoder" | "super_res" | "super_res_first" | "super_res_last" | "image_encoder" | "image_processor";

/** A loaded package and the part of it a wire carries (TOKENIZER, PRIOR, DECODER, …). */
export interface ComponentHandle {
  kind: "component";
  component: HandleComponent;
  packageName: string;
  components: UnclipComponents;
}

/** What a package loader emits for a part the package does not have; using it fails with `message`. */
export interface MissingComponentValue {
  kind: "missing_component";
  component: HandleComponent | SchedulerComponent;
  packageName: string;
  message: string;
}

/** SCHEDULER: a configured UnCLIPScheduler and how many steps to take with it. */
export interface SchedulerValue {
  kind: "scheduler";
  component: SchedulerComponent;
  packageName: string;
  config: UnCLIPSchedulerConfig;
  scheduler: UnCLIPScheduler;
  numInferenceSteps: number;
}

/** TOKENS: the prompts' ids and masks, and the unconditional "" tokens (as many rows). */
export interface TokensValue {
  kind: "tokens";
  prompts: string[];
  ids: Int64NdArray;
  mask: BoolNdArray;
  uncondIds: Int64NdArray;
  uncondMask: BoolNdArray;
}

/** TEXT_EMBEDDING: conditional and unconditional text-encoder rows, B0 each (not yet repeated). */
export interface TextEmbeddingValue {
  kind: "text_embedding";
  cond: TextRows;
  uncond: TextRows;
}

/** IMAGE_EMBEDDING: one CLIP image embedding per image to make, [B, D]. */
export interface ImageEmbeddingValue {
  kind: "image_embedding";
  embeds: Float32NdArray;
}

/** DECODER_CONDITIONING: text_proj's output, rows [uncond; cond] when guided. */
export interface DecoderConditioningValue {
  kind: "decoder_conditioning";
  conditioning: DecoderConditioning;
}

/**
 * IMAGE: a batch of images, NCHW float32 in [-1, 1]. `rgb8` keeps decoded 8-bit pixels when the
 * image came from a file, so CLIP preprocessing and saving never go through a lossy float round trip.
 */
export interface ImageValue {
  kind: "image";
  pixels: Float32NdArray;
  width: number;
  height: number;
  rgb8?: RgbImage[];
}

/** LATENTS: a plain tensor (noise, latents, pixel values). */
export type LatentsValue = Float32NdArray;

/**
 * NOISY_LATENTS: a sampler's latents after the steps it took, and what another sampler needs to
 * take the next ones: the stage, the step index reached, the timestep the latents are at and the
 * schedule's identity (scheduler config and step count).
 */
export interface NoisyLatentsValue {
  kind: "noisy_latents";
  stage: "prior" | "decoder" | "super_res";
  latents: Float32NdArray;
  /** Steps taken: the next step to take is `step` (0-based) of `steps`. */
  step: number;
  steps: number;
  /** The timestep x_t is at (the schedule's timestep of `step`); null once every step is taken. */
  timestep: number | null;
  /** Canonical JSON of the scheduler config and step count: two samplers continue only on the same schedule. */
  schedule: string;
  /** The seed whose step noise was used (continue with the same seed for the exact 0 → T result). */
  seed: number;
}

export type WireValue =
  | ComponentHandle
  | MissingComponentValue
  | SchedulerValue
  | TokensValue
  | TextEmbeddingValue
  | ImageEmbeddingValue
  | DecoderConditioningValue
  | ImageValue
  | NoisyLatentsValue
  | NdArray
  | string
  | number;

export function isNdArray(v: unknown): v is NdArray {
  if (typeof v !== "object" || v === null) return false;
  const t = v as Partial<NdArray>;
  return (t.dtype === "float32" || t.dtype === "int64" || t.dtype === "bool") && Array.isArray(t.shape) && ArrayBuffer.isView(t.data);
}

export function hasKind<K extends string>(v: unknown, kind: K): v is { kind: K } {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === kind;
}

/** Package components a handle needs to be usable. */
export const HANDLE_PACKAGE_COMPONENTS: Record<HandleComponent, readonly Component[]> = {
  tokenizer: ["tokenizer"],
  text_encoder: ["text_encoder"],
  prior: ["prior"],
  text_proj: ["text_proj"],
  decoder: ["decoder"],
  super_res: ["super_res_first", "super_res_last"],
  super_res_first: ["super_res_first"],
  super_res_last: ["super_res_last"],
  image_encoder: ["image_encoder"],
  image_processor: ["feature_extractor"],
};

// A handle or scheduler only points at shared, pooled objects: count a token size, not the pool.
const SHARED_OBJECT_BYTES = 1024;

/** Approximate memory held by a value (typed arrays dominate; shared packages count as a token). */
export function valueBytes(v: unknown): number {
  return bytesOf(v, new Set());
}

function bytesOf(v: unknown, seen: Set<object>): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return 8;
  if (typeof v === "string") return 2 * v.length;
  if (typeof v !== "object") return 0;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (v instanceof UnclipComponents || v instanceof UnCLIPScheduler) return SHARED_OBJECT_BYTES;
  let total = 0;
  if (Array.isArray(v)) {
    for (const item of v) total += 8 + bytesOf(item, seen);
    return total;
  }
  for (const [key, item] of Object.entries(v)) total += 2 * key.length + bytesOf(item, seen);
  return total;
}
