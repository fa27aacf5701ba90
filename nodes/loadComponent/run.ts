import { COMPONENT_TABLE } from "../core/componentTable";
import { componentHandle } from "../engine/packageParts";
import { defineRunner, type NodeImplementation } from "../engine/runContext";
import { LOAD_COMPONENT_NODES, loadComponentType } from "./node";

/** One runner per generated loader. */
export const LOAD_COMPONENT_RUNNERS: readonly NodeImplementation[] = COMPONENT_TABLE.map((row) => {
  const decl = LOAD_COMPONENT_NODES.find((d) => d.type === loadComponentType(row))!;
  return defineRunner(decl, async (ctx, _inputs, p) => {
    const components = await ctx.loadPackage(p.package);
    return { outputs: { [row.port]: componentHandle(components, p.package, row) }, ui: { text: p.package } };
  });
});
