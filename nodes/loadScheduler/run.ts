import { SCHEDULER_TABLE } from "../core/componentTable";
import { packageScheduler } from "../engine/packageParts";
import { readParams } from "../engine/readParams";
import { loadSchedulerNode } from "./node";
import type { NodeRunner } from "../engine/runContext";

export const runLoadScheduler: NodeRunner = async (ctx, _inputs, raw) => {
  const p = readParams<{ package: string; which: string }>(loadSchedulerNode, raw);
  const row = SCHEDULER_TABLE.find((r) => r.which === p.which)!;
  const components = await ctx.loadPackage(p.package);
  const scheduler = await packageScheduler(components, p.package, row);
  return { outputs: { scheduler }, ui: { text: `${p.package}: ${row.label.toLowerCase()}, ${scheduler.numInferenceSteps} steps` } };
};
