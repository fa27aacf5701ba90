/**
 * Runs one node the way the executor does: parameters defaulted and parsed by the declaration's
 * schemas first (a bad one fails here, as validation would refuse it), then the runner.
 */
import { parseParams } from "../../nodes/core/graphRules";
import type { NodeImplementation, NodeRunContext, NodeResult } from "../../nodes/engine/runContext";
import { InputError } from "../../server/errors";

export async function runNode(
  impl: NodeImplementation,
  ctx: NodeRunContext,
  inputs: Record<string, unknown>,
  raw: Record<string, unknown> = {},
): Promise<NodeResult> {
  const { values, problems } = parseParams(impl.declaration, raw);
  if (problems.length > 0) {
    throw new InputError(problems[0].code, `${impl.declaration.title}: ${problems[0].message}`, { parameter: problems[0].param });
  }
  return impl.run(ctx, inputs, values);
}

export function implementationOf(list: readonly NodeImplementation[], type: string): NodeImplementation {
  const found = list.find((i) => i.declaration.type === type);
  if (!found) throw new Error(`no node type ${type}`);
  return found;
}
