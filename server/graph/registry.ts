/**
 * The one place the graph layer learns about node types: declarations (for validation and the
 * editor) and runners (for execution), looked up by type id. Nothing else names a node type.
 */
import type { NodeDeclaration } from "../../nodes/core/types";
import type { NodeRunner } from "../../nodes/engine/runContext";

export interface NodeRegistry {
  declaration(type: string): NodeDeclaration | undefined;
  runner(type: string): NodeRunner | undefined;
  declarations(): readonly NodeDeclaration[];
}

export function createRegistry(declarations: readonly NodeDeclaration[], runners: Record<string, NodeRunner>): NodeRegistry {
  const byType = new Map(declarations.map((d) => [d.type, d]));
  return {
    declaration: (type) => byType.get(type),
    // own keys only: a type named like an Object.prototype member must not find a "runner"
    runner: (type) => (Object.hasOwn(runners, type) ? runners[type] : undefined),
    declarations: () => declarations,
  };
}
