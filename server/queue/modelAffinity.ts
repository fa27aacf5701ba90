/**
 * Loading a model package costs seconds (on a GPU, also memory), so a run should go to a worker
 * that already holds its packages. Workers take jobs from one shared queue; a worker that does
 * not hold a run's packages hands the run back (up to three times, shortly) while an idle worker that holds
 * them is alive. Redis serves the worker that has waited longest first, which is the idle one.
 */
import path from "node:path";
import type { NodeRegistry } from "../graph/registry";
import type { Workflow } from "../../nodes/core/workflow";
import type { WorkerInfo } from "./types";

/** The model packages a workflow loads (parameters shown with the model picker). */
export function packagesOf(workflow: Workflow, registry: NodeRegistry): string[] {
  const names = new Set<string>();
  for (const node of workflow.nodes) {
    const declaration = registry.declaration(node.type);
    for (const p of declaration?.params ?? []) {
      if (p.widget !== "model") continue;
      const value = node.params[p.name] ?? p.default;
      if (typeof value === "string" && value !== "") names.add(path.normalize(value));
    }
  }
  return [...names].sort();
}

/** Package folders loaded by a model host, as names inside the models directory. */
export function packageNames(modelsDir: string, loadedDirs: string[]): string[] {
  return loadedDirs.map((d) => path.relative(modelsDir, d)).sort();
}

/** An idle live worker other than `self` that holds every one of `packages`, if any. */
export function idleHolder(workers: WorkerInfo[], self: string, packages: string[]): WorkerInfo | null {
  if (packages.length === 0) return null;
  return workers.find((w) => w.id !== self && w.runId === null && packages.every((p) => w.packages.includes(p))) ?? null;
}
