/**
 * The server's validation of a workflow: the shared graph rules (nodes/core/graphRules.ts) plus
 * what only the server can check, that a model-package parameter names a folder inside the
 * models directory.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { checkWorkflow, type ValidationResult } from "../../nodes/core/graphRules";
import type { Workflow } from "../../nodes/core/workflow";
import type { NodeRegistry } from "./registry";
import { getEnv } from "../env";
import { checkWorkLimits, type WorkLimitOptions } from "./workLimits";
import { checkSweepRun } from "./sweepCheck";

export interface ValidateOptions {
  modelsDir: string;
  /** Check and plan only what these nodes need (e.g. a view that evaluates one node), instead of the output nodes. */
  targets?: string[];
  /** Work limits (default: the environment's) and the input-file check; see workLimits.ts. */
  limits?: WorkLimitOptions["limits"];
  inputFileExists?: WorkLimitOptions["inputFileExists"];
}

/** A model package parameter must name a folder inside the models directory. */
export function resolveModelParam(modelsDir: string, value: string): { ok: true; dir: string } | { ok: false; reason: "outside" | "missing" } {
  const root = path.resolve(modelsDir);
  if (value === "" || path.isAbsolute(value) || value.includes("\0")) return { ok: false, reason: "outside" };
  const dir = path.resolve(root, value);
  if (dir === root || !dir.startsWith(root + path.sep)) return { ok: false, reason: "outside" };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, reason: "missing" };
  return { ok: true, dir };
}

/**
 * Every problem of a workflow, and its plan. A workflow with a sweep is also checked cell by
 * cell (sweepCheck.ts); the plan returned is the workflow's own (the cells differ only in
 * parameter values). With `targets` the sweep is not looked at: such callers evaluate one node.
 */
export function validateWorkflow(wf: Workflow, registry: NodeRegistry, options: ValidateOptions): ValidationResult {
  const result = validateOne(wf, registry, options);
  if (result.errors.length || !wf.sweep || options.targets) return result;
  const limits = options.limits ?? getEnv().limits;
  const errors = checkSweepRun(wf, wf.sweep, registry, limits, (cell, rows) => validateOne(cell, registry, options, rows));
  return errors.length ? { errors } : result;
}

function validateOne(wf: Workflow, registry: NodeRegistry, options: ValidateOptions, rows?: Map<string, number>): ValidationResult {
  const result = checkWorkflow(wf, (type) => registry.declaration(type), {
    targets: options.targets,
    checkModel: (value) => {
      const r = resolveModelParam(options.modelsDir, value);
      return r.ok ? undefined : r.reason === "outside" ? "model_path_outside" : "model_not_found";
    },
  });
  if (!result.plan) return result;
  // the work limits are checked on a valid plan (they read the parsed parameters and the order)
  const limitErrors = checkWorkLimits(wf, result.plan, { limits: options.limits ?? getEnv().limits, inputFileExists: options.inputFileExists, rows });
  if (limitErrors.length) return { errors: limitErrors };
  return result;
}
