import type { CatalogParam } from "../../../nodes/core/types";

export interface WidgetProps<T = unknown> {
  nodeId: string;
  param: CatalogParam;
  value: T;
  onChange: (value: T) => void;
  /** The server named this parameter in a validation problem. */
  invalid?: boolean;
}

/** Classes for inputs inside nodes: "nodrag"/"nowheel" keep React Flow from panning while editing. */
export const FIELD =
  "nodrag nowheel min-w-0 rounded border bg-slate-950/70 px-1.5 py-0.5 text-xs text-slate-100 outline-none focus-visible:ring-2 focus-visible:ring-sky-400";

export function borderFor(invalid: boolean | undefined): string {
  return invalid ? "border-red-500" : "border-slate-700 hover:border-slate-500";
}

/** Whether the parameter's JSON Schema asks for a whole number. */
export function isInteger(param: CatalogParam): boolean {
  const s = param.jsonSchema as { type?: string } | undefined;
  return s?.type === "integer";
}

/** The declared range: the widget hint first, then the JSON Schema bounds. */
export function rangeOf(param: CatalogParam): { min?: number; max?: number } {
  const s = (param.jsonSchema ?? {}) as { minimum?: number; maximum?: number };
  return { min: param.min ?? s.minimum, max: param.max ?? s.maximum };
}

export function outOfRange(value: number, param: CatalogParam): boolean {
  const { min, max } = rangeOf(param);
  return (min !== undefined && value < min) || (max !== undefined && value > max) || (isInteger(param) && !Number.isInteger(value));
}

/** Outside the JSON Schema's bounds: what validation refuses (the widget's range is only the recommended one). */
export function outOfHardRange(value: number, param: CatalogParam): boolean {
  const s = (param.jsonSchema ?? {}) as { minimum?: number; maximum?: number };
  return (s.minimum !== undefined && value < s.minimum) || (s.maximum !== undefined && value > s.maximum) || (isInteger(param) && !Number.isInteger(value));
}

export function fieldId(nodeId: string, param: string): string {
  return `f-${nodeId}-${param}`.replace(/[^A-Za-z0-9_-]/g, "_");
}
