/**
 * The `sweep` field of the workflow format (version 2): up to two axes, each a node's parameter and
 * a list or range of values. Only the shape is here (zod only, imported by workflow.ts); checking
 * it against the nodes, the cells and their labels are in sweep.ts. See docs/WORKFLOW-FORMAT.md.
 */
import { z } from "zod";

/** Values on one axis, listed or from a range: beyond this a grid is unreadable anyway. */
export const MAX_AXIS_VALUES = 64;
/** At most two axes: columns (the first) and rows (the second). */
export const MAX_SWEEP_AXES = 2;

const SweepValue = z.union([z.number(), z.string().max(2000), z.boolean()]);
export type SweepValue = z.infer<typeof SweepValue>;

export const SweepRange = z.object({ from: z.number(), to: z.number(), step: z.number().positive() });
export type SweepRange = z.infer<typeof SweepRange>;

export const SweepAxis = z.object({
  /** The node's id. */
  node: z.string().min(1).max(64),
  /** The parameter's name (as in the node's `params`). */
  param: z.string().min(1).max(64),
  /** The values, in order. Exactly one of `values` and `range`. */
  values: z.array(SweepValue).min(1).max(MAX_AXIS_VALUES).optional(),
  /** from, from + step, … up to `to` (included when it is reached): numbers only. */
  range: SweepRange.optional(),
});
export type SweepAxis = z.infer<typeof SweepAxis>;

export const Sweep = z.object({ axes: z.array(SweepAxis).min(1).max(MAX_SWEEP_AXES) }).superRefine((sweep, ctx) => {
  sweep.axes.forEach((axis, i) => {
    const path = ["axes", i];
    if ((axis.values === undefined) === (axis.range === undefined)) {
      ctx.addIssue({ code: "custom", path, message: `axis ${i + 1} (${axis.node}.${axis.param}) needs either "values" or "range", not both or neither` });
      return;
    }
    if (axis.range) {
      const n = rangeCount(axis.range);
      if (axis.range.to < axis.range.from)
        ctx.addIssue({ code: "custom", path: [...path, "range"], message: `range "to" (${axis.range.to}) is below "from" (${axis.range.from})` });
      else if (n > MAX_AXIS_VALUES) {
        ctx.addIssue({ code: "custom", path: [...path, "range"], message: `the range gives ${n} values; at most ${MAX_AXIS_VALUES} per axis` });
      }
    }
  });
  if (sweep.axes.length === 2 && sweep.axes[0].node === sweep.axes[1].node && sweep.axes[0].param === sweep.axes[1].param) {
    ctx.addIssue({ code: "custom", path: ["axes", 1], message: `both axes sweep ${sweep.axes[0].node}.${sweep.axes[0].param}` });
  }
});
export type Sweep = z.infer<typeof Sweep>;

/** Values in a range, counted without building them (a range of 10¹² values is refused, not listed). */
export function rangeCount(r: SweepRange): number {
  if (r.to < r.from) return 0;
  // a small tolerance: 0.1 → 1 by 0.1 must give 10 values, not 9 from 0.9999999999999999
  return Math.floor((r.to - r.from) / r.step + 1e-9) + 1;
}

/** Rounded to 10 significant decimals, so 0.1 + 2 × 0.1 reads 0.3. */
const tidy = (x: number) => Number.parseFloat(x.toPrecision(12));

/** An axis's values in order (a range expanded). */
export function axisValues(axis: SweepAxis): SweepValue[] {
  if (axis.values) return axis.values;
  const r = axis.range!;
  const n = Math.min(rangeCount(r), MAX_AXIS_VALUES);
  return Array.from({ length: n }, (_, i) => tidy(r.from + i * r.step));
}

export function sweepCellCount(sweep: Sweep): number {
  return sweep.axes.reduce((n, a) => n * (a.values ? a.values.length : Math.min(rangeCount(a.range!), MAX_AXIS_VALUES)), 1);
}
