/**
 * The numbers behind the schedule view: ᾱ_t, β_t and the step's standard deviation σ_t over the
 * training timesteps, and for the chosen inference steps the coefficients the scheduler really
 * uses when it skips timesteps (β recomputed from ᾱ). Everything comes from the scheduler object
 * itself, so the chart shows exactly what sampling does.
 */
import type { UnCLIPScheduler } from "./scheduler";

export interface ScheduleStep {
  index: number;
  timestep: number;
  prevTimestep: number;
  alphaProdT: number;
  alphaProdPrev: number;
  /** β of this (possibly skipping) step. */
  beta: number;
  /** β̃: the posterior variance, the fixed_small_log variance and the low end of learned_range. */
  variance: number;
  /** √β̃ (fixed_small_log's noise scale; 0 on the last step, which adds no noise). */
  sigma: number;
  /** √β: the high end of learned_range. */
  sigmaMax: number;
}

export interface ScheduleInfo {
  numTrainTimesteps: number;
  betaSchedule: string;
  varianceType: string;
  predictionType: string;
  clipSample: boolean;
  clipSampleRange: number;
  /** Per training timestep t = 0 … T−1. */
  alphasCumprod: number[];
  betas: number[];
  /** σ_t = √β̃_t for single-timestep steps (t → t − 1). */
  sigmas: number[];
  timesteps: number[];
  steps: ScheduleStep[];
}

export function describeSchedule(scheduler: UnCLIPScheduler, numInferenceSteps: number, parameterName = "numInferenceSteps"): ScheduleInfo {
  const c = scheduler.config;
  const timesteps = scheduler.timesteps(numInferenceSteps, parameterName);
  const T = c.num_train_timesteps;
  const sigmas: number[] = [];
  for (let t = 0; t < T; t++) sigmas.push(t === 0 ? 0 : Math.sqrt(scheduler.stepCoefficients(t, t - 1).variance));
  const steps = timesteps.map((t, i) => {
    const k = scheduler.stepCoefficients(t, i + 1 < timesteps.length ? timesteps[i + 1] : null);
    return {
      index: i,
      timestep: t,
      prevTimestep: k.prev,
      alphaProdT: k.alphaProdT,
      alphaProdPrev: k.alphaProdPrev,
      beta: k.beta,
      variance: k.variance,
      sigma: t > 0 ? Math.sqrt(k.variance) : 0,
      sigmaMax: t > 0 ? Math.sqrt(k.beta) : 0,
    };
  });
  return {
    numTrainTimesteps: T,
    betaSchedule: c.beta_schedule,
    varianceType: c.variance_type,
    predictionType: c.prediction_type,
    clipSample: c.clip_sample,
    clipSampleRange: c.clip_sample_range,
    alphasCumprod: Array.from(scheduler.alphasCumprod),
    betas: Array.from(scheduler.betas),
    sigmas,
    timesteps,
    steps,
  };
}
