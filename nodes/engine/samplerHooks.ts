/**
 * Bridges a stage's hooks to the executor: progress per step, cancellation through the run's
 * signal, and on image stages a preview of the predicted clean image every `previewEvery` steps.
 */
import type { StageHooks } from "../../server/unclip/progress";
import type { NodeRunContext } from "./runContext";
import { tensorPreviewPng } from "./previewPng";

export function samplerHooks(ctx: NodeRunContext, previews: boolean): StageHooks {
  const every = previews ? Math.max(0, Math.floor(ctx.previewEvery)) : 0;
  let pending: Uint8Array | undefined;
  return {
    signal: ctx.signal,
    onStep:
      every > 0
        ? (e) => {
            // the sampler reports progress right after this hook, so the preview rides on that event
            if ((e.index + 1) % every === 0) pending = tensorPreviewPng(e.predOriginalSample);
          }
        : undefined,
    onProgress: (e) => {
      ctx.progress({ step: e.step, steps: e.steps, timestep: e.timestep, preview: pending });
      pending = undefined;
    },
  };
}
