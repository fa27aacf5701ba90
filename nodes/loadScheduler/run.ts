import { SCHEDULER_TABLE } from "./componentTable";
import { packageScheduler } from "./lib/packageParts";
import { readParams } from "./lib/readParams";
import { loadSchedulerNode } from "./loadScheduler";
import type { NodeRunner } from "./runtime";

export const runLoadScheduler: NodeRunner = async (ctx, _inputs, raw) => {
  const p = readParams<{ package: string; which: string }>(loadSchedulerNode, raw);
  const row = SCHEDULER_TABLE.find((r) => r.which === p.which)!;
  const components = await ctx.loadPackage(p.package);
  const scheduler = await packageScheduler(components, p.package, row);
  return { outputs: { scheduler }, ui: { text: `${p.package}: ${row.label.toLowerCase()}, ${scheduler.numInferenceSteps} steps` } };
};
