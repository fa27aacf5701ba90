/**
 * UnCLIPScheduler, as diffusers (v0.23) computes it: a squaredcos_cap_v2 schedule, respaced
 * inference timesteps that include both the first and the last training step, fixed_small_log or
 * learned_range variance, epsilon or sample prediction, clipping of x0, and the beta recomputed
 * from ᾱ when steps are skipped. Scalars follow torch's float32 arithmetic (Math.fround after each
 * operation) so results agree with the reference to the last bit in most elements.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { InputError } from "../errors";

const f = Math.fround;

export const UnCLIPSchedulerConfigSchema = z.object({
  _class_name: z.string().optional(),
  num_train_timesteps: z.number().int().min(2).default(1000),
  variance_type: z.enum(["fixed_small_log", "learned_range"]).default("fixed_small_log"),
  clip_sample: z.boolean().default(true),
  clip_sample_range: z.number().positive().default(1.0),
  prediction_type: z.enum(["epsilon", "sample"]).default("epsilon"),
  beta_schedule: z.literal("squaredcos_cap_v2").default("squaredcos_cap_v2"),
});
export type UnCLIPSchedulerConfig = z.infer<typeof UnCLIPSchedulerConfigSchema>;

export class SchedulerError extends InputError {
  constructor(message: string, parameter?: string) {
    super("scheduler", message, parameter ? { parameter } : {});
    this.name = "SchedulerError";
  }
}

export interface StepInput {
  /** Model output for the whole batch; with learned_range it may carry 2C channels (eps, variance). */
  modelOutput: Float32Array;
  /** Channels per batch row of `modelOutput` and of `sample`; 0 for the prior's flat [B, D] tensors. */
  modelOutputChannels: number;
  sample: Float32Array;
  sampleChannels: number;
  /** Shape of the sample, for splitting the model output: [B, C, ...spatial] or [B, D]. */
  sampleShape: number[];
  timestep: number;
  /** The next timestep in the list, or null on the last step (then t - 1 is used, as diffusers does). */
  prevTimestep: number | null;
  /** Unit Gaussian noise of the sample's shape; required when timestep > 0. */
  noise?: Float32Array;
  /**
   * Where to write x_{t-1} and the predicted x0 instead of new arrays (buffers a loop reuses from
   * step to step). prevSampleOut may be `sample` itself: every element is read before it is written.
   */
  prevSampleOut?: Float32Array;
  predOriginalSampleOut?: Float32Array;
}

export interface StepOutput {
  prevSample: Float32Array;
  predOriginalSample: Float32Array;
  /** Standard deviation of the added noise: one value (fixed_small_log) or per element (learned_range); null at t = 0. */
  std: Float32Array | number | null;
  /** For learned_range: the mean interpolation fraction the model chose between log β and log β̃. */
  meanVarianceFraction: number | null;
}

export class UnCLIPScheduler {
  readonly betas: Float32Array;
  readonly alphas: Float32Array;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1.0;

  constructor(readonly config: UnCLIPSchedulerConfig) {
    const n = config.num_train_timesteps;
    const alphaBar = (t: number) => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
    this.betas = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.betas[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
    }
    this.alphas = this.betas.map((b) => f(1 - b));
    this.alphasCumprod = new Float32Array(n);
    let acc = 1; // torch accumulates cumprod of float32 in double
    for (let i = 0; i < n; i++) {
      acc *= this.alphas[i];
      this.alphasCumprod[i] = acc;
    }
  }

  static fromConfig(raw: unknown, where = "scheduler_config.json"): UnCLIPScheduler {
    const parsed = UnCLIPSchedulerConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SchedulerError(`${where}: ${issue.path.join(".") || "config"}: ${issue.message}`);
    }
    if (parsed.data._class_name !== undefined && parsed.data._class_name !== "UnCLIPScheduler") {
      throw new SchedulerError(`${where}: _class_name is ${JSON.stringify(parsed.data._class_name)}, expected "UnCLIPScheduler"`);
    }
    return new UnCLIPScheduler(parsed.data);
  }

  static async fromConfigFile(file: string): Promise<UnCLIPScheduler> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new SchedulerError(`${file}: cannot read scheduler config (${(err as Error).message})`);
    }
    return UnCLIPScheduler.fromConfig(raw, file);
  }

  /**
   * Inference timesteps, descending: round(arange(n) * (T-1)/(n-1)) with numpy's round-half-to-even.
   * diffusers divides by n - 1, so a single step is impossible; refuse it with a clear message.
   */
  timesteps(numInferenceSteps: number, parameterName = "num_inference_steps"): number[] {
    const T = this.config.num_train_timesteps;
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 2) {
      throw new SchedulerError(
        `${parameterName} must be an integer of at least 2, got ${numInferenceSteps}: UnCLIPScheduler spaces the steps by (${T} - 1) / (steps - 1), so one step cannot be scheduled`,
        parameterName,
      );
    }
    if (numInferenceSteps > T) {
      throw new SchedulerError(`${parameterName} must be at most ${T} (the number of training timesteps), got ${numInferenceSteps}`, parameterName);
    }
    const ratio = (T - 1) / (numInferenceSteps - 1);
    const out: number[] = [];
    for (let i = 0; i < numInferenceSteps; i++) out.push(roundHalfEven(i * ratio));
    return out.reverse();
  }

  /** ᾱ, β and α for a step t → prev, with β recomputed from ᾱ when steps are skipped. */
  stepCoefficients(t: number, prevTimestep: number | null) {
    const prev = prevTimestep ?? t - 1;
    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prev >= 0 ? this.alphasCumprod[prev] : 1;
    const betaProdT = f(1 - alphaProdT);
    const betaProdPrev = f(1 - alphaProdPrev);
    let beta: number;
    let alpha: number;
    if (prev === t - 1) {
      beta = this.betas[t];
      alpha = this.alphas[t];
    } else {
      beta = f(1 - f(alphaProdT / alphaProdPrev));
      alpha = f(1 - beta);
    }
    // β̃: the posterior variance, the lower end of the learned range
    const variance = f(f(betaProdPrev / betaProdT) * beta);
    return { prev, alphaProdT, alphaProdPrev, betaProdT, betaProdPrev, beta, alpha, variance };
  }

  step(input: StepInput): StepOutput {
    const { timestep: t, sampleShape } = input;
    const T = this.config.num_train_timesteps;
    if (!Number.isInteger(t) || t < 0 || t >= T) throw new SchedulerError(`timestep ${t} is outside [0, ${T})`);
    const batch = sampleShape[0];
    const rowSize = input.sample.length / batch;
    const c = this.stepCoefficients(t, input.prevTimestep);

    // learned_range models put the variance values in the second half of the channels
    const split = this.config.variance_type === "learned_range" && input.modelOutputChannels > 0 && input.modelOutputChannels === input.sampleChannels * 2;
    const outRow = input.modelOutput.length / batch;
    if (this.config.variance_type === "learned_range" && !split) {
      // diffusers fails here too (the predicted variance is None); say why instead
      throw new SchedulerError(
        `variance_type "learned_range" needs a model output with twice the sample's channels (${input.sampleChannels * 2}), got ${input.modelOutputChannels}`,
      );
    }
    if (!split && outRow !== rowSize) {
      throw new SchedulerError(`model output has ${outRow} values per row, the sample ${rowSize}`);
    }

    const sqrtAlphaProdT = f(Math.sqrt(c.alphaProdT));
    const sqrtBetaProdT = f(Math.sqrt(c.betaProdT));
    const x0Coeff = f(f(f(Math.sqrt(c.alphaProdPrev)) * c.beta) / c.betaProdT);
    const sampleCoeff = f(f(f(Math.sqrt(c.alpha)) * c.betaProdPrev) / c.betaProdT);
    const range = this.config.clip_sample_range;
    const epsilon = this.config.prediction_type === "epsilon";
    const addNoise = t > 0;
    if (addNoise && (!input.noise || input.noise.length !== input.sample.length)) {
      throw new SchedulerError(`step at t = ${t} needs ${input.sample.length} noise values, got ${input.noise?.length ?? 0}`);
    }

    const n = input.sample.length;
    const x0 = outputBuffer(input.predOriginalSampleOut, n, "predOriginalSampleOut");
    const prevSample = outputBuffer(input.prevSampleOut, n, "prevSampleOut");
    if (x0 === input.sample || x0 === prevSample) throw new SchedulerError("predOriginalSampleOut must be a buffer of its own");
    const fixedStd = f(Math.exp(f(0.5 * f(Math.log(Math.max(c.variance, 1e-20))))));
    const learned = this.config.variance_type === "learned_range";
    const k: StepConstants = {
      invSqrtAlphaProdT: 1 / sqrtAlphaProdT,
      sqrtBetaProdT,
      x0Coeff,
      sampleCoeff,
      epsilon,
      clip: this.config.clip_sample,
      rangeBits: float32Bits(range),
      minLog: f(Math.log(c.variance)),
      maxLog: f(Math.log(c.beta)),
    };
    if (addNoise && learned) {
      const stds = new Float32Array(n);
      let fracSum = 0;
      // one running sum over the whole batch, in element order, as the reference adds them
      for (let b = 0; b < batch; b++) fracSum = learnedRow(input, b * rowSize, b * outRow, rowSize, k, x0, prevSample, stds, fracSum);
      return { prevSample, predOriginalSample: x0, std: stds, meanVarianceFraction: fracSum / n };
    }
    // without added noise, or with one std for all: the model output's first rowSize values of each row
    for (let b = 0; b < batch; b++) fixedRow(input, b * rowSize, b * outRow, rowSize, k, addNoise ? fixedStd : null, x0, prevSample);
    return { prevSample, predOriginalSample: x0, std: addNoise ? fixedStd : null, meanVarianceFraction: null };
  }
}

/** The step's per-call scalars, computed once (float32, like the reference) before the element loops. */
interface StepConstants {
  /** 1 / √ᾱ_t in float64: see `divideF32`. */
  invSqrtAlphaProdT: number;
  sqrtBetaProdT: number;
  x0Coeff: number;
  sampleCoeff: number;
  epsilon: boolean;
  clip: boolean;
  /** The bits of the float32 clip range (torch clamps a float32 tensor to the range in float32): see `clampF32`. */
  rangeBits: number;
  minLog: number;
  maxLog: number;
}

function outputBuffer(given: Float32Array | undefined, n: number, name: string): Float32Array {
  if (!given) return new Float32Array(n);
  if (given.length !== n) throw new SchedulerError(`${name} has ${given.length} values, the sample ${n}`);
  return given;
}

/**
 * The float32 quotient y / a of two float32 values, as a multiplication by the float64 reciprocal
 * `inv = 1 / a` (computed once per step): the same bits as f(y / a), without a float64 division per
 * element. Why it is exact: y / a is never a float32 rounding midpoint (a midpoint has a 25-bit odd
 * significand M, and M · a cannot equal y, whose significand has 24 bits), and it is at least
 * 2^-49 (relative) away from every midpoint, since y − m·a is a non-zero multiple of 2^(e(y)−48).
 * y · inv, rounded twice in float64, is within 2^-52 of y / a: on the same side of every midpoint,
 * so both round to the same float32. tests/unit/schedulerBuffers.test.ts checks it for every
 * training timestep's √ᾱ_t, on random float32 values and on quotients next to midpoints.
 */
export function divideF32(y: number, inv: number): number {
  return f(y * inv);
}

/** The float32 bits of x (x rounded to float32). */
export function float32Bits(x: number): number {
  return new Int32Array(new Float32Array([x]).buffer)[0];
}

/**
 * Clamp the float32 at `bits[i]` to [−range, range], in place, on its bits: the same result as
 * `x < −r ? −r : x > r ? r : x` (±∞ go to ±range, NaN stays NaN so the step's finiteness check
 * still stops the run, −0 stays −0), without the branches. On an untrained model's output about
 * half of x̂₀ is clipped at random, and those branches, mispredicted, made the scheduler's element
 * loop 12.3 instead of 8.6 ns per element (issue #22). For a sign-magnitude float the
 * magnitude compares like an integer: `over` is all ones when |x| > range, `nan` when x is NaN.
 */
export function clampF32(bits: Int32Array, i: number, rangeBits: number): void {
  const x = bits[i];
  const magnitude = x & 0x7fffffff;
  const over = (rangeBits - magnitude) >> 31;
  const nan = (0x7f800000 - magnitude) >> 31;
  const mask = over & ~nan;
  bits[i] = (x & ~mask) | (((x & -0x80000000) | rangeBits) & mask);
}

/**
 * x̂₀ of element i, stored into x0[i] and returned as stored: from ε (one float32 rounding per torch
 * operation) or the model output itself, then clipped in place on its bits (`x0Bits`, a view of
 * x0). Small enough for V8 to inline into the loops.
 */
function storeX0(x0: Float32Array, x0Bits: Int32Array, i: number, m: number, s: number, k: StepConstants): number {
  x0[i] = k.epsilon ? divideF32(f(s - f(k.sqrtBetaProdT * m)), k.invSqrtAlphaProdT) : m;
  if (k.clip) clampF32(x0Bits, i, k.rangeBits);
  return x0[i];
}

/*
 * The element loops, one batch row at a time. Each element's arithmetic is the reference's, one
 * float32 rounding (f) per torch operation, in the same order; the rounding of the last operation
 * is left to the Float32Array store, which rounds the same way. An element is read before it is
 * written, so prevSample may be the sample's own buffer.
 */
function fixedRow(input: StepInput, s0: number, m0: number, size: number, k: StepConstants, std: number | null, x0: Float32Array, prev: Float32Array): void {
  const mo = input.modelOutput;
  const sample = input.sample;
  const noise = input.noise;
  const { x0Coeff, sampleCoeff } = k;
  const x0Bits = int32View(x0);
  for (let j = 0; j < size; j++) {
    const i = s0 + j;
    const s = sample[i];
    const x = storeX0(x0, x0Bits, i, mo[m0 + j], s, k);
    const v = f(x0Coeff * x) + f(sampleCoeff * s);
    prev[i] = std === null ? v : f(v) + f(std * noise![i]);
  }
}

function int32View(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** learned_range with noise: the row's variance values follow its model output, std per element. Returns `fracSum` plus the row's fractions. */
function learnedRow(
  input: StepInput,
  s0: number,
  m0: number,
  size: number,
  k: StepConstants,
  x0: Float32Array,
  prev: Float32Array,
  stds: Float32Array,
  fracSum: number,
): number {
  const mo = input.modelOutput;
  const sample = input.sample;
  const noise = input.noise!;
  const { x0Coeff, sampleCoeff, minLog, maxLog } = k;
  const x0Bits = int32View(x0);
  const v0 = m0 + size;
  for (let j = 0; j < size; j++) {
    const i = s0 + j;
    const s = sample[i];
    const x = storeX0(x0, x0Bits, i, mo[m0 + j], s, k);
    const v = f(f(x0Coeff * x) + f(sampleCoeff * s));
    const frac = f(f(mo[v0 + j] + 1) / 2);
    fracSum += frac;
    const logVar = f(f(frac * maxLog) + f(f(1 - frac) * minLog));
    const std = f(Math.exp(f(0.5 * logVar)));
    stds[i] = std;
    prev[i] = v + f(std * noise[i]);
  }
  return fracSum;
}

/** numpy's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
