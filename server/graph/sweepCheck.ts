/**
 * A sweep's checks before anything is queued: the declaration checks (nodes/core/sweep.ts: node,
 * parameter, every value through the parameter's own schema), the cell limit, and every cell's
 * own validation (its values may push a work limit: steps, prompt lines, images), with the
 * images of all cells together held to the per-run image limit. Each problem names the node,
 * the parameter, the value or the limit, and which cell.
 */
import { cellLabel, cellWorkflow, checkSweep, sweepCellCount, sweepCells, type Sweep } from "../../nodes/core/sweep";
import type { ValidationError, ValidationResult } from "../../nodes/core/graphRules";
import type { Workflow } from "../../nodes/core/workflow";
import { type Limits, limitMessage } from "../limitsConfig";
import type { NodeRegistry } from "./registry";

/** Validate one cell's workflow, filling `rows` with each planned node's row count. */
export type ValidateCell = (cell: Workflow, rows: Map<string, number>) => ValidationResult;

export function checkSweepRun(wf: Workflow, sweep: Sweep, registry: NodeRegistry, limits: Limits, validateCell: ValidateCell): ValidationError[] {
  const declarationOf = (type: string) => registry.declaration(type);
  const errors = checkSweep(wf, sweep, declarationOf);
  if (errors.length) return errors;
  const count = sweepCellCount(sweep);
  if (count > limits.maxSweepCells) {
    return [
      { code: "limit_exceeded", nodeId: sweep.axes[0].node, param: sweep.axes[0].param, message: limitMessage("maxSweepCells", count, limits, "the sweep: ") },
    ];
  }
  let images = 0;
  for (const cell of sweepCells(sweep)) {
    const rows = new Map<string, number>();
    const result = validateCell(cellWorkflow(wf, cell), rows);
    if (result.errors.length) {
      const label = cellLabel(wf, cell, declarationOf);
      return result.errors.map((e) => ({ ...e, message: `sweep cell ${label}: ${e.message}` }));
    }
    // the rows through the widest sampler are the images this cell makes
    images += Math.max(1, ...rows.values());
  }
  if (images > limits.maxImagesPerRun) {
    return [
      {
        code: "limit_exceeded",
        nodeId: sweep.axes[0].node,
        param: sweep.axes[0].param,
        message: limitMessage("maxImagesPerRun", images, limits, `the sweep: ${count} cell${count === 1 ? "" : "s"} make ${images} images; `),
      },
    ];
  }
  return [];
}
