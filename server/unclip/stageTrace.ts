/**
 * What a teaching trace keeps of a denoising stage: for the first item of the batch, every step's
 * timestep, ᾱ_t, x_t, the predicted x0, the (guided) prediction the scheduler used and, with
 * classifier-free guidance, the unconditional and conditional halves it was made from. For the
 * prior, also the predicted embedding's path in CLIP space. Recorded only when a recorder is
 * attached: an untraced stage pays nothing.
 *
 * Tensors are stored as little-endian float32 in base64, bit-exact, so a view can recompute what
 * the scheduler computed (e.g. the guided prediction at another scale) from the same numbers. Only
 * pictures larger than HALF_PRECISION_ABOVE values (super-res at 256 px) are stored as float16,
 * which halves the biggest traces; nothing is recomputed from those.
 */
import { fromHalfBits, toHalfBits } from "../../nodes/core/half";
import {
  type EmbeddingTrajectory,
  type FramesTrace,
  HALF_PRECISION_ABOVE,
  STAGE_TRACE_FORMAT,
  type StageTrace,
  type TraceStep,
  type TraceTensor,
} from "../../nodes/core/traceFormat";
import type { StageHooks, StepEvent } from "./progress";
import type { UnCLIPScheduler } from "./scheduler";
import type { Float32NdArray } from "./tensor";

export function encodeTraceTensor(shape: number[], values: Float32Array): TraceTensor {
  if (values.length > HALF_PRECISION_ABOVE) {
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = toHalfBits(values[i]);
    return { shape, dtype: "float16", data: Buffer.from(half.buffer).toString("base64") };
  }
  const copy = Float32Array.from(values);
  return { shape, dtype: "float32", data: Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString("base64") };
}

export function decodeTraceTensor(t: TraceTensor): Float32Array {
  const bytes = Buffer.from(t.data, "base64");
  if (t.dtype === "float16") {
    const half = new Uint16Array(bytes.byteLength / 2);
    new Uint8Array(half.buffer).set(bytes);
    return Float32Array.from(half, fromHalfBits);
  }
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Item 0 of a [batch, channels, …] tensor, keeping only the first `channels` channels. */
function firstItem(t: Float32NdArray, channels?: number): { shape: number[]; values: Float32Array } {
  const rest = t.shape.slice(1);
  const rowSize = rest.reduce((a, b) => a * b, 1);
  if (channels === undefined || rest.length < 2 || channels >= rest[0]) return { shape: rest, values: t.data.slice(0, rowSize) };
  const inner = rowSize / rest[0];
  return { shape: [channels, ...rest.slice(1)], values: t.data.slice(0, channels * inner) };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

interface RawStep extends Omit<TraceStep, "sample" | "predOriginalSample" | "modelOutput" | "uncond" | "cond"> {
  sample: { shape: number[]; values: Float32Array };
  predOriginalSample: { shape: number[]; values: Float32Array };
  modelOutput: { shape: number[]; values: Float32Array };
  uncond?: { shape: number[]; values: Float32Array };
  cond?: { shape: number[]; values: Float32Array };
}

/** For the prior: how to map its normalised latents to CLIP space, and the prompt's embedding. */
export interface EmbeddingSpace {
  clipMean: Float32Array;
  clipStd: Float32Array;
  /** The (conditional) text embedding of the recorded item. */
  text: Float32Array;
}

export function framesTrace(method: string, factors: number[], frames: Float32Array[], a: Float32Array, b: Float32Array): FramesTrace {
  const shape = [a.length];
  return {
    method,
    factors,
    embeddings: frames.map((f) => encodeTraceTensor(shape, f)),
    a: encodeTraceTensor(shape, a),
    b: encodeTraceTensor(shape, b),
    cosineToA: frames.map((f) => cosine(f, a)),
    cosineToB: frames.map((f) => cosine(f, b)),
  };
}

export class StageTraceRecorder {
  private readonly steps: RawStep[] = [];
  private batch = 0;
  private last: { shape: number[]; values: Float32Array } | null = null;

  constructor(
    readonly stage: StepEvent["stage"],
    private readonly scheduler: UnCLIPScheduler,
    private readonly guidanceScale: number | null,
  ) {}

  /** The stage's hooks with this recorder listening to every step. */
  hooks(inner: StageHooks): StageHooks {
    return {
      ...inner,
      onStep: (e) => {
        this.record(e);
        inner.onStep?.(e);
      },
    };
  }

  record(e: StepEvent): void {
    const channels = e.sample.shape.length > 2 ? e.sample.shape[1] : undefined;
    this.batch = e.sample.shape[0];
    this.steps.push({
      index: e.index,
      timestep: e.timestep,
      prevTimestep: e.prevTimestep,
      alphaProdT: this.scheduler.alphasCumprod[e.timestep],
      unet: e.unet,
      meanVarianceFraction: e.meanVarianceFraction,
      sample: firstItem(e.sample),
      predOriginalSample: firstItem(e.predOriginalSample),
      modelOutput: firstItem(e.modelOutput, channels),
      uncond: e.guidance ? firstItem(e.guidance.uncond, channels) : undefined,
      cond: e.guidance ? firstItem(e.guidance.cond, channels) : undefined,
    });
    this.last = firstItem(e.prevSample);
  }

  finish(space?: EmbeddingSpace): StageTrace {
    const enc = (t: { shape: number[]; values: Float32Array }) => encodeTraceTensor(t.shape, t.values);
    const c = this.scheduler.config;
    const trace: StageTrace = {
      format: STAGE_TRACE_FORMAT,
      version: 1,
      stage: this.stage,
      item: 0,
      batch: this.batch,
      timesteps: this.steps.map((s) => s.timestep),
      scheduler: {
        predictionType: c.prediction_type,
        varianceType: c.variance_type,
        clipSample: c.clip_sample,
        clipSampleRange: c.clip_sample_range,
        numTrainTimesteps: c.num_train_timesteps,
      },
      guidanceScale: this.steps.some((s) => s.uncond) ? this.guidanceScale : null,
      steps: this.steps.map((s) => ({
        ...s,
        sample: enc(s.sample),
        predOriginalSample: enc(s.predOriginalSample),
        modelOutput: enc(s.modelOutput),
        uncond: s.uncond && enc(s.uncond),
        cond: s.cond && enc(s.cond),
      })),
      final: this.last ? enc(this.last) : encodeTraceTensor([0], new Float32Array(0)),
    };
    if (space && this.last) trace.embedding = this.trajectory(space, this.last.values);
    return trace;
  }

  private trajectory(space: EmbeddingSpace, lastLatents: Float32Array): EmbeddingTrajectory {
    // the same float32 arithmetic as postProcessLatents, so the last point equals the output
    const toClip = (x: Float32Array) => x.map((v, j) => Math.fround(Math.fround(v * space.clipStd[j]) + space.clipMean[j]));
    const predicted = this.steps.map((s) => toClip(s.predOriginalSample.values));
    const final = toClip(lastLatents);
    const shape = [final.length];
    return {
      predicted: predicted.map((p) => encodeTraceTensor(shape, p)),
      text: encodeTraceTensor(shape, space.text),
      final: encodeTraceTensor(shape, final),
      cosineToText: predicted.map((p) => cosine(p, space.text)),
      cosineToFinal: predicted.map((p) => cosine(p, final)),
    };
  }
}
