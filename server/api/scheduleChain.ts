/**
 * What `teach.schedule` may evaluate: only the chain that produces a Scheduler value — package
 * and scheduler loaders, Scheduler nodes and primitives — never a sampler, an encoder or an
 * output node. The request is a GET the editor sends while you edit; letting it evaluate any
 * node would run whole workflows outside the queue (and, cross-site, on any page's behalf).
 * Evaluating the chain reads configs only: model sessions are created when a graph first runs.
 */
import type { NodeDeclaration } from "../../nodes/core/types";
import { InputError } from "../errors";
import { ValidationFailed } from "../graph/executor";
import type { NodeRegistry } from "../graph/registry";
import { validateWorkflow } from "../graph/validate";
import type { Workflow } from "../../nodes/core/workflow";

/** Wire types a node in the chain may take: a schedule and plain values, nothing with a model in it. */
const CHAIN_INPUT_TYPES = new Set(["SCHEDULER", "INT", "FLOAT", "STRING", "SEED"]);

function inChain(decl: NodeDeclaration, linkedPorts: string[]): boolean {
  if (decl.output) return false;
  return linkedPorts.every((port) => CHAIN_INPUT_TYPES.has(decl.inputs.find((p) => p.name === port)?.type ?? ""));
}

/** Throws unless `nodeId` has a SCHEDULER output and everything it needs is in the chain. */
export function assertSchedulerChain(wf: Workflow, registry: NodeRegistry, nodeId: string, modelsDir: string): void {
  const { errors, plan } = validateWorkflow(wf, registry, { modelsDir, targets: [nodeId] });
  if (errors.length || !plan) throw new ValidationFailed(errors);
  const target = plan.order.find((n) => n.id === nodeId);
  if (!target || !target.declaration.outputs.some((p) => p.type === "SCHEDULER")) {
    throw new InputError("not_a_scheduler", `node ${nodeId} has no SCHEDULER output to describe`, { node: nodeId });
  }
  for (const n of plan.order) {
    if (!inChain(n.declaration, Object.keys(n.inputs))) {
      throw new InputError(
        "not_a_scheduler",
        `node ${nodeId}: its schedule depends on ${n.declaration.title} (${n.id}), which is not part of a scheduler chain; only loaders, Scheduler nodes and primitives are evaluated here`,
        { node: n.id },
      );
    }
  }
}
