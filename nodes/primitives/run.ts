import { defineRunner, type NodeImplementation } from "../engine/runContext";
import { PRIMITIVE_NODES } from "./node";

export const PRIMITIVE_RUNNERS: readonly NodeImplementation[] = PRIMITIVE_NODES.map((decl) =>
  defineRunner(decl, (_ctx, _inputs, { value }) => ({ outputs: { value }, ui: { text: String(value).slice(0, 200) } })),
);
