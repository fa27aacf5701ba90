import { COMPONENT_TABLE, type ComponentRow } from "../core/componentTable";
import { packageParam } from "../core/params";
import { defineNode } from "../core/types";

/** "unclip.load_<key>" for one table row. */
export function loadComponentType(row: ComponentRow): string {
  return `unclip.load_${row.key}`;
}

/** One loader per package part, so a graph can mix parts from two packages. */
export const LOAD_COMPONENT_NODES = COMPONENT_TABLE.map((row) =>
  defineNode({
    type: loadComponentType(row),
    version: 1,
    title: `Load ${row.label}`,
    category: "Loaders",
    description: `Loads only ${row.about}, from the chosen package. Use it instead of Load Model Package to combine parts of different packages; their sizes (embedding widths, token length, channels) must agree, and a mismatch is reported when the parts meet.`,
    inputs: [],
    outputs: [{ name: row.port, type: row.type, label: row.label }],
    params: [packageParam()],
  }),
);
