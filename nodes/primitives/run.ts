import { readParams } from "../engine/readParams";
import { PRIMITIVE_NODES } from "./node";
import type { NodeRunner } from "../engine/runContext";

export const PRIMITIVE_RUNNERS: Record<string, NodeRunner> = Object.fromEntries(
  PRIMITIVE_NODES.map((decl) => {
    const run: NodeRunner = async (_ctx, _inputs, raw) => {
      const { value } = readParams<{ value: unknown }>(decl, raw);
      return { outputs: { value }, ui: { text: String(value).slice(0, 200) } };
    };
    return [decl.type, run];
  }),
);
