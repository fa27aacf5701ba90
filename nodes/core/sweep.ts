/**
 * Sweeps (XY grids): up to two parameters of any nodes, each with a list or a range of values;
 * one run executes every combination ("cell"). The field's shape is in sweepFormat.ts; here: how
 * cells are enumerated, applied and labelled, and the checks
 * that need only the node declarations (unknown node or parameter, a value the parameter's own
 * schema refuses). Browser-safe: the editor uses it for the cell count and the same errors; the
 * server adds the work limits (server/graph/sweepCheck.ts) and runs the cells
 * (server/graph/sweep.ts). See docs/WORKFLOW-FORMAT.md, "Sweeps".
 */
import { axisValues, type Sweep, type SweepAxis, type SweepValue } from "./sweepFormat";
import { describeValue } from "./describeValue";
import type { NodeDeclaration } from "./types";
import type { ValidationError } from "./graphRules";
import { parseParam } from "./graphRules";

export { axisValues, MAX_AXIS_VALUES, MAX_SWEEP_AXES, rangeCount, Sweep, SweepAxis, sweepCellCount, type SweepValue } from "./sweepFormat";

export interface SweepCell {
  /** 0-based, row-major: the first axis varies fastest (columns), the second gives the rows. */
  index: number;
  column: number;
  row: number;
  /** One override per axis, in axis order. */
  overrides: { node: string; param: string; value: SweepValue }[];
}

/** Every combination, row by row (so a second axis upstream of the first reuses the cache row-wise). */
export function sweepCells(sweep: Sweep): SweepCell[] {
  const xs = axisValues(sweep.axes[0]);
  const ys = sweep.axes[1] ? axisValues(sweep.axes[1]) : [undefined];
  const cells: SweepCell[] = [];
  ys.forEach((y, row) =>
    xs.forEach((x, column) => {
      const overrides = [{ node: sweep.axes[0].node, param: sweep.axes[0].param, value: x }];
      if (sweep.axes[1] && y !== undefined) overrides.push({ node: sweep.axes[1].node, param: sweep.axes[1].param, value: y });
      cells.push({ index: cells.length, column, row, overrides });
    }),
  );
  return cells;
}

/** The workflow one cell runs: the overrides written into the nodes' parameters, no sweep. */
export function cellWorkflow<W extends { nodes: { id: string; params: Record<string, unknown> }[]; sweep?: unknown }>(wf: W, cell: SweepCell): W {
  const { sweep: _sweep, ...rest } = wf;
  const nodes = wf.nodes.map((n) => {
    const mine = cell.overrides.filter((o) => o.node === n.id);
    return mine.length ? { ...n, params: { ...n.params, ...Object.fromEntries(mine.map((o) => [o.param, o.value])) } } : n;
  });
  return { ...rest, nodes } as unknown as W;
}

/** How a value reads in a grid label: numbers as written, switches on/off, text shortened. */
export function valueLabel(v: SweepValue): string {
  if (typeof v === "boolean") return v ? "on" : "off";
  if (typeof v === "number") return String(v);
  const one = v.replace(/\s+/g, " ").trim();
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
}

type DeclarationOf = (type: string) => NodeDeclaration | undefined;
interface SweepWorkflow {
  nodes: { id: string; type: string; title?: string; params: Record<string, unknown>; paramInputs?: string[] }[];
  links: { to: { node: string; port: string }; from: { node: string } }[];
}

/** "Decoder · Guidance scale": the axis title a grid shows (the node's title and the parameter's label). */
export function axisTitle(wf: SweepWorkflow, axis: Pick<SweepAxis, "node" | "param">, declarationOf: DeclarationOf): string {
  const node = wf.nodes.find((n) => n.id === axis.node);
  const decl = node ? declarationOf(node.type) : undefined;
  const spec = decl?.params.find((p) => p.name === axis.param);
  return `${node?.title ?? decl?.title ?? axis.node} · ${spec?.label ?? axis.param}`;
}

/** "guidance 4, seed 2" style: what a cell's result is called (gallery, file names, events). */
export function cellLabel(wf: SweepWorkflow, cell: SweepCell, declarationOf: DeclarationOf): string {
  return cell.overrides.map((o) => `${axisTitle(wf, o, declarationOf)} = ${valueLabel(o.value)}`).join(", ");
}

/**
 * What the declarations alone can tell about a sweep: every axis names a node of the workflow and
 * one of its parameters that is set by its widget (not by a wire), and every value passes the
 * parameter's own schema. Each problem names the node, the parameter and the value.
 */
export function checkSweep(wf: SweepWorkflow, sweep: Sweep, declarationOf: DeclarationOf): ValidationError[] {
  const errors: ValidationError[] = [];
  sweep.axes.forEach((axis, i) => {
    const at = `sweep axis ${i + 1}`;
    const node = wf.nodes.find((n) => n.id === axis.node);
    if (!node) {
      errors.push({ code: "unknown_node", message: `${at}: no node "${axis.node}" in the workflow` });
      return;
    }
    const decl = declarationOf(node.type);
    const where = `${at}: ${node.title ?? decl?.title ?? node.type} (${node.id})`;
    if (!decl) {
      errors.push({ code: "unknown_node_type", nodeId: node.id, message: `${where} has the unknown type "${node.type}"` });
      return;
    }
    const spec = decl.params.find((p) => p.name === axis.param);
    if (!spec) {
      const names = decl.params.map((p) => p.name);
      errors.push({
        code: "unknown_port",
        nodeId: node.id,
        param: axis.param,
        message: `${where} has no parameter "${axis.param}" (${names.length ? `parameters: ${names.join(", ")}` : "it has no parameters"})`,
      });
      return;
    }
    const wire = wf.links.find((l) => l.to.node === node.id && l.to.port === axis.param);
    if (wire || node.paramInputs?.includes(axis.param)) {
      errors.push({
        code: "param_wrong_type",
        nodeId: node.id,
        param: axis.param,
        message: `${where}: parameter "${spec.label}" is taken from ${wire ? `the wire from ${wire.from.node}` : "a wire"}, so sweeping it would change nothing; sweep the node it comes from`,
      });
      return;
    }
    // a randomized seed is drawn on every run: the swept value would be thrown away
    if (node.params.randomize === true && decl.params.some((p) => p.name === "randomize")) {
      errors.push({
        code: "param_wrong_type",
        nodeId: node.id,
        param: axis.param,
        message: `${where} has Randomize on, so every cell would draw its own seed; turn Randomize off to sweep it`,
      });
      return;
    }
    if (axis.range && !spec.schema.safeParse(axis.range.from).success && typeof spec.default !== "number") {
      errors.push({
        code: "param_wrong_type",
        nodeId: node.id,
        param: axis.param,
        message: `${where}: parameter "${spec.label}" is not a number, so it takes a list of values, not a range`,
      });
      return;
    }
    for (const value of axisValues(axis)) {
      const checked = parseParam(spec, value);
      if ("problem" in checked) {
        errors.push({
          code: checked.problem.code,
          nodeId: node.id,
          param: axis.param,
          message: `${where}: value ${describeValue(value, 60)}: ${checked.problem.message}`,
        });
        break; // one value per axis is enough to say what is wrong
      }
    }
  });
  return errors;
}
