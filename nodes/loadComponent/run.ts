import { COMPONENT_TABLE } from "../core/componentTable";
import { componentHandle } from "../engine/packageParts";
import { readParams } from "../engine/readParams";
import { LOAD_COMPONENT_NODES, loadComponentType } from "./node";
import type { NodeRunner } from "../engine/runContext";

/** One runner per generated loader, keyed by node type. */
export const LOAD_COMPONENT_RUNNERS: Record<string, NodeRunner> = Object.fromEntries(
  COMPONENT_TABLE.map((row) => {
    const decl = LOAD_COMPONENT_NODES.find((d) => d.type === loadComponentType(row))!;
    const run: NodeRunner = async (ctx, _inputs, raw) => {
      const p = readParams<{ package: string }>(decl, raw);
      const components = await ctx.loadPackage(p.package);
      return { outputs: { [row.port]: componentHandle(components, p.package, row) }, ui: { text: p.package } };
    };
    return [decl.type, run];
  }),
);
