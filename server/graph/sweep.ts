/**
 * Runs a workflow, or, when it declares a sweep, every cell of it: each cell is the workflow with
 * that cell's parameter overrides, executed by the same executor with the same output cache, so
 * what is upstream of the swept parameters runs once (a decoder guidance sweep runs the prior once
 * per seed). Each cell's images are stored as its own results (labelled with the cell's values);
 * then one labelled grid of all cells is stored as an image carrying the workflow and the sweep.
 * Progress is reported per cell; a cancel stops within one step, as in any run.
 */
import "#server-only";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import type { ArtifactRef } from "../../nodes/engine/runContext";
import { axisTitle, axisValues, cellLabel, cellWorkflow, sweepCells, valueLabel, type Sweep } from "../../nodes/core/sweep";
import type { Workflow } from "../../nodes/core/workflow";
import { CancelledError } from "../errors";
import { addPngTextChunks } from "../unclip/imageOutput";
import {
  type ExecuteOptions,
  type ExecutorServices,
  executeWorkflow,
  type RunReport,
  type SaveImageInfo,
  type SweepCellReport,
  ValidationFailed,
} from "./executor";
import { buildSweepGrid, type GridLayout } from "./sweepGrid";
import { validateWorkflow } from "./validate";

/** PNG tEXt keyword of a grid's sweep description (axes, labels, layout); the workflow is under WORKFLOW_PNG_KEYWORD. */
export const SWEEP_PNG_KEYWORD = "unclip-studio-sweep";

/** What a grid PNG says about itself under SWEEP_PNG_KEYWORD. */
export interface SweepGridInfo {
  format: "unclip-studio/sweep-grid";
  version: 1;
  axes: { node: string; param: string; title: string; values: unknown[]; labels: string[] }[];
  columns: number;
  rows: number;
  cells: { index: number; column: number; row: number; label: string }[];
  layout: GridLayout;
}

/** Execute a workflow: a plain run, or every cell of its sweep (without `targets`). */
export async function executeRun(services: ExecutorServices, workflow: Workflow, o: ExecuteOptions): Promise<RunReport> {
  if (!workflow.sweep || o.targets) return executeWorkflow(services, workflow, o);
  return executeSweep(services, workflow, workflow.sweep, o);
}

interface Captured {
  nodeId: string;
  png: Uint8Array;
  info: SaveImageInfo;
  ref: ArtifactRef;
}

async function executeSweep(services: ExecutorServices, workflow: Workflow, sweep: Sweep, o: ExecuteOptions): Promise<RunReport> {
  const started = performance.now();
  const signal = o.signal ?? new AbortController().signal;
  // every cell is checked (and the limits over all cells) before the first one runs
  const { errors, plan } = validateWorkflow(workflow, services.registry, { modelsDir: services.modelsDir });
  if (errors.length || !plan) throw new ValidationFailed(errors);
  if (signal.aborted) throw new CancelledError();

  const declarationOf = (type: string) => services.registry.declaration(type);
  const cells = sweepCells(sweep);
  const emit = (e: Parameters<NonNullable<ExecuteOptions["onEvent"]>>[0]) => o.onEvent?.(e);
  emit({ type: "sweep.progress", runId: o.runId, done: 0, total: cells.length });

  const cellReports: SweepCellReport[] = [];
  const captured: Captured[][] = [];
  const merged: RunReport = { ran: [], cached: [], ms: 0, nodeMs: {}, ui: {}, skipped: plan.skipped };
  for (const cell of cells) {
    if (signal.aborted) throw new CancelledError();
    const label = cellLabel(workflow, cell, declarationOf);
    const mine: Captured[] = [];
    const cellServices: ExecutorServices = {
      ...services,
      async saveImage(runId, nodeId, png, info) {
        const tagged = { ...info, sweep: { cell: cell.index, label, overrides: cell.overrides } };
        const ref = await services.saveImage(runId, nodeId, png, tagged);
        mine.push({ nodeId, png, info: tagged, ref });
        return ref;
      },
    };
    // the output nodes run again in every cell (their images are this cell's results and the
    // grid's tiles); everything upstream of the swept parameters comes from the cache
    const report = await executeWorkflow(cellServices, cellWorkflow(workflow, cell), { ...o, freshOutputs: true });
    captured.push(mine);
    cellReports.push({
      index: cell.index,
      label,
      overrides: cell.overrides,
      ran: report.ran,
      cached: report.cached,
      images: mine.filter((c) => c.info.kind === "image").map((c) => c.ref),
    });
    for (const id of report.ran) if (!merged.ran.includes(id)) merged.ran.push(id);
    for (const [id, ms] of Object.entries(report.nodeMs)) merged.nodeMs[id] = (merged.nodeMs[id] ?? 0) + ms;
    Object.assign(merged.ui, report.ui);
    emit({ type: "sweep.progress", runId: o.runId, done: cell.index + 1, total: cells.length, label });
  }
  merged.cached = plan.order.map((n) => n.id).filter((id) => !merged.ran.includes(id));

  // the grid shows the first output node (in plan order) that stored images, saved images before previews
  const pick = (kind: "image" | "preview") => plan.outputNodes.find((id) => captured.some((c) => c.some((x) => x.nodeId === id && x.info.kind === kind)));
  const kind = pick("image") ? "image" : "preview";
  const gridNode = pick("image") ?? pick("preview");
  let grid: ArtifactRef | undefined;
  if (gridNode) {
    if (signal.aborted) throw new CancelledError();
    const [xAxis, yAxis] = sweep.axes;
    const { png, layout } = await buildSweepGrid({
      columnTitle: axisTitle(workflow, xAxis, declarationOf),
      columnLabels: axisValues(xAxis).map(valueLabel),
      rowTitle: yAxis ? axisTitle(workflow, yAxis, declarationOf) : undefined,
      rowLabels: yAxis ? axisValues(yAxis).map(valueLabel) : undefined,
      cells: cells.map((cell) => ({
        column: cell.column,
        row: cell.row,
        pngs: captured[cell.index].filter((c) => c.nodeId === gridNode && c.info.kind === kind).map((c) => c.png),
      })),
    });
    const info: SweepGridInfo = {
      format: "unclip-studio/sweep-grid",
      version: 1,
      axes: sweep.axes.map((axis) => ({
        node: axis.node,
        param: axis.param,
        title: axisTitle(workflow, axis, declarationOf),
        values: axisValues(axis),
        labels: axisValues(axis).map(valueLabel),
      })),
      columns: axisValues(xAxis).length,
      rows: yAxis ? axisValues(yAxis).length : 1,
      cells: cells.map((c) => ({ index: c.index, column: c.column, row: c.row, label: cellReports[c.index].label })),
      layout,
    };
    const withText = addPngTextChunks(png, { [WORKFLOW_PNG_KEYWORD]: JSON.stringify(workflow), [SWEEP_PNG_KEYWORD]: JSON.stringify(info) });
    const title = `${cells.length} cells: ${info.axes.map((a) => a.title).join(" × ")}`;
    grid = await services.saveImage(o.runId, gridNode, withText, {
      width: layout.width,
      height: layout.height,
      kind: "image",
      index: 0,
      sweep: { label: title, grid: true },
    });
    // the node shows the grid (each cell's own images are in the gallery and in the report)
    merged.ui[gridNode] = { ...merged.ui[gridNode], images: [grid] };
    emit({ type: "sweep.grid", runId: o.runId, nodeId: gridNode, grid });
  }

  const executions = cellReports.reduce((n, c) => n + c.ran.length, 0);
  merged.sweep = { cells: cellReports, grid, gridNode, executions, executionsUncached: cells.length * plan.order.length };
  merged.ms = performance.now() - started;
  return merged;
}
