/**
 * Work limits checked at validation, before anything is queued: how many rows (images) go
 * through the samplers, how many prompts a batched Tokenizer makes, how many steps a Scheduler
 * takes, how large the stored workflow snapshot is, and whether the input files named by
 * parameters exist. Each problem is reported on the node and parameter that sets it, so the
 * editor shows it there.
 *
 * The row count is estimated from the plan without running anything, by the parameter names the
 * declarations share (no node type is named here): a `prompt` + `batch` pair makes one row per
 * line, `numImagesPerPrompt` and `frames` multiply the rows coming in, a latent `shape` starts
 * with its row count; everything else passes on the largest row count of its inputs.
 */
import { splitPrompts } from "../../nodes/tokenizer/run";
import type { ParamSpec } from "../../nodes/core/types";
import { EXAMPLE_IMAGES, exampleValue, isExampleValue } from "../../nodes/core/examples";
import { type Limits, limitMessage } from "../limitsConfig";
import type { ExecutionPlan, PlannedNode, ValidationError } from "../../nodes/core/graphRules";
import type { Workflow } from "../../nodes/core/workflow";

export interface WorkLimitOptions {
  limits: Limits;
  /** Does an input file named by an image/file parameter exist? Not checked when absent. */
  inputFileExists?: (name: string, param: ParamSpec) => boolean;
  /** Filled with each planned node's row count (a sweep adds up its cells' images from it). */
  rows?: Map<string, number>;
}

/** Values per latent row the largest stage needs (3 × 256 × 256, Karlo's super-res output). */
const ELEMENTS_PER_ROW = 3 * 256 * 256;

function label(wf: Workflow, node: PlannedNode): string {
  const title = wf.nodes.find((n) => n.id === node.id)?.title ?? node.declaration.title;
  return `${title} (${node.id})`;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 ? v : undefined;
}

export function checkWorkLimits(wf: Workflow, plan: ExecutionPlan, o: WorkLimitOptions): ValidationError[] {
  const { limits } = o;
  const errors: ValidationError[] = [];
  const byId = new Map(plan.order.map((n) => [n.id, n]));
  const rows = o.rows ?? new Map<string, number>();

  // A parameter overridden by a wire from a primitive (Text, Integer) takes that primitive's value.
  const effective = (node: PlannedNode, name: string): unknown => {
    const src = node.inputs[name];
    if (src) {
      const from = byId.get(src.node);
      return from && Object.keys(from.inputs).length === 0 ? from.params.value : undefined;
    }
    return node.params[name];
  };

  const snapshotBytes = Buffer.byteLength(JSON.stringify(wf), "utf8");
  if (snapshotBytes > limits.maxSnapshotBytes) {
    errors.push({ code: "limit_exceeded", message: limitMessage("maxSnapshotBytes", snapshotBytes, limits, "the workflow: ") });
  }

  for (const node of plan.order) {
    const p = node.params;
    const where = `${label(wf, node)}: `;
    const inRows = Math.max(1, ...Object.values(node.inputs).map((s) => rows.get(s.node) ?? 1));
    let out = inRows;
    let setBy: string | undefined;

    if (typeof p.prompt === "string" && typeof p.batch === "boolean") {
      const text = effective(node, "prompt");
      out = typeof text === "string" ? splitPrompts(text, p.batch).length : 1;
      setBy = "prompt";
      if (p.batch && out > limits.maxPromptLines) {
        errors.push({ code: "limit_exceeded", nodeId: node.id, param: "prompt", message: limitMessage("maxPromptLines", out, limits, where) });
      }
    } else if (typeof p.shape === "string" && p.source !== "file") {
      const dims = p.shape.split(",").map((d) => Number(d.trim()));
      out = dims[0] ?? 1;
      setBy = "shape";
      const elements = dims.reduce((a, b) => a * b, 1);
      if (out <= limits.maxImagesPerRun && elements > limits.maxImagesPerRun * ELEMENTS_PER_ROW) {
        errors.push({
          code: "limit_exceeded",
          nodeId: node.id,
          param: "shape",
          message: `${where}a noise tensor of ${elements} values asked for, the limit is ${limits.maxImagesPerRun * ELEMENTS_PER_ROW} (${ELEMENTS_PER_ROW} per image; set UNCLIP_MAX_IMAGES_PER_RUN to raise it)`,
        });
      }
    } else {
      for (const name of ["numImagesPerPrompt", "frames"]) {
        const k = positiveInt(p[name]);
        if (k !== undefined && k > 1) {
          out *= k;
          setBy = name;
        }
      }
    }
    rows.set(node.id, out);
    // reported once, on the node that pushed the count over (not on everything downstream)
    if (out > limits.maxImagesPerRun && inRows <= limits.maxImagesPerRun) {
      errors.push({ code: "limit_exceeded", nodeId: node.id, param: setBy, message: limitMessage("maxImagesPerRun", out, limits, where) });
    }

    if (typeof p.numInferenceSteps === "number") {
      const steps = effective(node, "numInferenceSteps");
      if (typeof steps === "number" && steps > limits.maxSteps) {
        errors.push({ code: "limit_exceeded", nodeId: node.id, param: "numInferenceSteps", message: limitMessage("maxSteps", steps, limits, where) });
      }
    }

    if (o.inputFileExists) {
      for (const spec of node.declaration.params) {
        if (spec.widget !== "image" && spec.widget !== "file") continue;
        if (typeof p.source === "string" && p.source !== "file" && spec.widget === "file") continue;
        const value = p[spec.name];
        if (typeof value !== "string" || value === "") continue;
        if (!o.inputFileExists(value, spec)) {
          errors.push({
            code: "input_file_not_found",
            nodeId: node.id,
            param: spec.name,
            message: isExampleValue(value)
              ? `${where}parameter "${spec.label}" names "${value}", which is not one of the example images (${EXAMPLE_IMAGES.map((e) => exampleValue(e.file)).join(", ")})`
              : `${where}parameter "${spec.label}" names "${value}", which is not an uploaded file (upload it again)`,
          });
        }
      }
    }
  }
  return errors;
}
