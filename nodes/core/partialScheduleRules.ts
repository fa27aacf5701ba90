/**
 * The partial-schedule settings a sampler node can be checked for before anything runs (browser-
 * safe; graph rules call it for every node, the editor and the server alike). Generic: it knows
 * the parameter and port names samplerPorts.ts gives every sampler, never node types. What needs
 * the schedule itself (endStep ≤ steps, the latents' step and schedule) is checked when the node runs.
 */
export interface PartialScheduleProblem {
  param: "startStep" | "endStep";
  port?: "noisyLatents";
  message: string;
}

export function partialScheduleProblems(values: Record<string, unknown>, continued: boolean): PartialScheduleProblem[] {
  const start = values.startStep;
  const end = values.endStep;
  if (typeof start !== "number" || typeof end !== "number") return [];
  const out: PartialScheduleProblem[] = [];
  if (end !== 0 && start >= end) {
    out.push({ param: "startStep", message: `Start step (${start}) must be below End step (${end}): at least one step must run` });
  }
  if (start > 0 && !continued) {
    out.push({
      param: "startStep",
      port: "noisyLatents",
      message: `Start step is ${start}: connect “Continue from” to the Noisy latents of a sampler that stopped at step ${start}`,
    });
  }
  if (start === 0 && continued) {
    out.push({
      param: "startStep",
      port: "noisyLatents",
      message: "“Continue from” is connected but Start step is 0: set Start step to the step those latents stopped at",
    });
  }
  return out;
}
