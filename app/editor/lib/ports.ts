/** Port types, their colours, and port lookups in the catalog (compatibility: nodes/core/graphRules.ts). */
import { portsCompatible } from "../../../nodes/core/graphRules";
import { paramPortType, withParamInputs } from "../../../nodes/core/paramInputs";
import { DATA_TYPES, type CatalogNode, type PortSpec, type PortType } from "../../../nodes/core/types";
import type { Catalog } from "./types";

const ANY_COLOR = "#cbd5e1";

export function portColor(type: PortType | undefined): string {
  if (!type || type === "*") return ANY_COLOR;
  return DATA_TYPES[type]?.color ?? ANY_COLOR;
}

export function portTypeDescription(type: PortType): string {
  return type === "*" ? "Any value." : (DATA_TYPES[type]?.description ?? "");
}

/** A node's declaration as it is used: its converted parameters (`paramInputs`) added as inputs. */
export function nodeDeclaration(catalog: Catalog, nodeType: string, paramInputs?: readonly string[]): CatalogNode | undefined {
  const decl = catalog.get(nodeType);
  return decl && withParamInputs(decl, paramInputs, paramPortType);
}

export function findPort(
  catalog: Catalog,
  nodeType: string,
  kind: "input" | "output",
  name: string | null | undefined,
  paramInputs?: readonly string[],
): PortSpec | undefined {
  const decl = nodeDeclaration(catalog, nodeType, paramInputs);
  if (!decl || name == null) return undefined;
  return (kind === "input" ? decl.inputs : decl.outputs).find((p) => p.name === name);
}

/** Whether a node type has a port of the given side that could connect to a dangling wire of `type`. */
export function compatiblePort(decl: CatalogNode, side: "input" | "output", type: PortType): PortSpec | undefined {
  const ports = side === "input" ? decl.inputs : decl.outputs;
  // prefer an exact type match over a wildcard one
  return ports.find((p) => p.type === type) ?? ports.find((p) => (side === "input" ? portsCompatible(type, p.type) : portsCompatible(p.type, type)));
}
