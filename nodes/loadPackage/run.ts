import { COMPONENT_TABLE, SCHEDULER_TABLE } from "../core/componentTable";
import { componentOrMissing, schedulerOrMissing } from "../engine/packageParts";
import { loadPackageNode } from "./node";
import { defineRunner } from "../engine/runContext";

export const loadPackageRunner = defineRunner(loadPackageNode, async (ctx, _inputs, p) => {
  const components = await ctx.loadPackage(p.package);
  const outputs: Record<string, unknown> = {};
  for (const row of COMPONENT_TABLE) outputs[row.port] = componentOrMissing(components, p.package, row);
  for (const row of SCHEDULER_TABLE) outputs[row.port] = await schedulerOrMissing(components, p.package, row);
  const absent = Object.values(outputs).filter((v) => (v as { kind: string }).kind === "missing_component").length;
  return { outputs, ui: { text: absent ? `${p.package}: ${absent} part(s) missing` : p.package } };
});
