/**
 * Teaching traces for the sampler nodes: when the run asks for one, a recorder listens to every
 * denoising step and its trace is added to the node's trace artifact as the "stage" part.
 */
import type { StageHooks } from "../../server/unclip/progress";
import type { UnCLIPScheduler } from "../../server/unclip/scheduler";
import { type EmbeddingSpace, StageTraceRecorder } from "../../server/unclip/stageTrace";
import type { NodeRunContext } from "./runContext";

export interface StageTracing {
  hooks: StageHooks;
  /** Add the recorded trace to the node's artifact (no-op when not tracing). */
  finish(space?: EmbeddingSpace): void;
}

export function stageTracing(
  ctx: NodeRunContext,
  stage: StageTraceRecorder["stage"],
  scheduler: UnCLIPScheduler,
  guidanceScale: number | null,
  hooks: StageHooks,
): StageTracing {
  if (!ctx.trace) return { hooks, finish: () => {} };
  const recorder = new StageTraceRecorder(stage, scheduler, guidanceScale);
  return { hooks: recorder.hooks(hooks), finish: (space) => ctx.addTrace("stage", recorder.finish(space)) };
}
