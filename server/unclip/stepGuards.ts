/**
 * Checks the sampler loop makes at every step:
 * - a sample that went NaN or infinite stops the run there, naming the stage and step, instead
 *   of silently producing a black or noise image many steps later (e.g. an absurd guidance scale);
 * - the event loop gets a turn between steps, so the denoising of a large batch (its CPU work:
 *   guidance, scheduler arithmetic) never stalls API requests, and a cancel that arrived during
 *   the step is seen before the next model call.
 */
import { UnclipError } from "../errors";

export function assertFiniteStep(stage: string, step: number, steps: number, data: Float32Array | Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new UnclipError(
        "runtime",
        "non_finite",
        `the ${stage} stage produced ${Number.isNaN(data[i]) ? "NaN" : "infinite"} values at step ${step + 1} of ${steps}; the run was stopped (check the guidance scale and the input latents)`,
        { component: stage },
      );
    }
  }
}

/** Let timers and I/O (other requests, a cancel) run before the next step. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
