import { readParams } from "./lib/readParams";
import { PRIMITIVE_NODES } from "./primitives";
import type { NodeRunner } from "./runtime";

export const PRIMITIVE_RUNNERS: Record<string, NodeRunner> = Object.fromEntries(
  PRIMITIVE_NODES.map((decl) => {
    const run: NodeRunner = async (_ctx, _inputs, raw) => {
      const { value } = readParams<{ value: unknown }>(decl, raw);
      return { outputs: { value }, ui: { text: String(value).slice(0, 200) } };
    };
    return [decl.type, run];
  }),
);
