/**
 * The one place the graph layer learns about node types: declarations (for validation and the
 * editor) and runners (for execution), looked up by type id. Nothing else names a node type.
 */
import type { NodeDeclaration } from "../../nodes/core/types";
import type { NodeImplementation, NodeRunner } from "../../nodes/engine/runContext";

export interface NodeRegistry {
  declaration(type: string): NodeDeclaration | undefined;
  runner(type: string): NodeRunner | undefined;
  declarations(): readonly NodeDeclaration[];
}

export function createRegistry(implementations: readonly NodeImplementation[]): NodeRegistry {
  // a Map, not an object: a type named like an Object.prototype member must not find a "runner"
  const byType = new Map(implementations.map((i) => [i.declaration.type, i]));
  const declarations = implementations.map((i) => i.declaration);
  return {
    declaration: (type) => byType.get(type)?.declaration,
    runner: (type) => byType.get(type)?.run,
    declarations: () => declarations,
  };
}
