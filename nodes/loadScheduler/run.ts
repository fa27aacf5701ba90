import { SCHEDULER_TABLE } from "../core/componentTable";
import { packageScheduler } from "../engine/packageParts";
import { loadSchedulerNode } from "./node";
import { defineRunner } from "../engine/runContext";

export const loadSchedulerRunner = defineRunner(loadSchedulerNode, async (ctx, _inputs, p) => {
  const row = SCHEDULER_TABLE.find((r) => r.which === p.which)!;
  const components = await ctx.loadPackage(p.package);
  const scheduler = await packageScheduler(components, p.package, row);
  return { outputs: { scheduler }, ui: { text: `${p.package}: ${row.label.toLowerCase()}, ${scheduler.numInferenceSteps} steps` } };
});
