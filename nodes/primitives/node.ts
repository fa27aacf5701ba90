import { z } from "zod";
import { defineNode, type NodeDeclaration } from "../core/types";

const MAX = Number.MAX_SAFE_INTEGER;

export interface PrimitiveRow {
  type: string;
  title: string;
  dataType: "STRING" | "INT" | "FLOAT" | "BOOLEAN";
  param: NodeDeclaration["params"][number];
  what: string;
}

export const PRIMITIVE_TABLE: readonly PrimitiveRow[] = [
  {
    type: "unclip.string",
    title: "String",
    dataType: "STRING",
    param: { name: "value", label: "Text", schema: z.string().max(20_000), default: "", widget: "textarea" },
    what: "a piece of text (for example a prompt shared by several Tokenizer nodes)",
  },
  {
    type: "unclip.int",
    title: "Integer",
    dataType: "INT",
    param: { name: "value", label: "Value", schema: z.number().int().min(-MAX).max(MAX), default: 0, widget: "number", step: 1 },
    what: "a whole number (for example a step count shared by several schedulers)",
  },
  {
    type: "unclip.float",
    title: "Float",
    dataType: "FLOAT",
    param: { name: "value", label: "Value", schema: z.number().min(-1e9).max(1e9), default: 0, widget: "number", step: 0.01 },
    what: "a number (for example an interpolation factor)",
  },
  {
    type: "unclip.boolean",
    title: "Boolean",
    dataType: "BOOLEAN",
    param: { name: "value", label: "On", schema: z.boolean(), default: false, widget: "toggle" },
    what: "yes or no (for example classifier-free guidance, converted to an input on several nodes)",
  },
];

export const PRIMITIVE_NODES: readonly NodeDeclaration[] = PRIMITIVE_TABLE.map((row) =>
  defineNode({
    type: row.type,
    version: 1,
    title: row.title,
    category: "Primitives",
    description: `Holds ${row.what}, to wire into any input of that type.`,
    inputs: [],
    outputs: [{ name: "value", type: row.dataType, label: row.title }],
    params: [row.param],
  }),
);
