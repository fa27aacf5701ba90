/**
 * Every node type, as data (browser-safe: declarations import only zod and ./types), and the
 * catalog the editor receives: the same declarations with each parameter's zod schema turned
 * into JSON Schema.
 */
import { z } from "zod";
import { clipImageProcessorNode } from "../clipImageProcessor/node";
import { decoderNode } from "../decoder/node";
import { imageEncoderNode } from "../imageEncoder/node";
import { INTERPOLATE_NODES } from "../interpolate/node";
import { LOAD_COMPONENT_NODES } from "../loadComponent/node";
import { loadImageNode } from "../loadImage/node";
import { loadPackageNode } from "../loadPackage/node";
import { loadSchedulerNode } from "../loadScheduler/node";
import { noiseNode } from "../noise/node";
import { noteNode } from "../note/node";
import { previewImageNode } from "../previewImage/node";
import { PRIMITIVE_NODES } from "../primitives/node";
import { priorNode } from "../prior/node";
import { saveImageNode } from "../saveImage/node";
import { schedulerNode } from "../scheduler/node";
import { seedNode } from "../seed/node";
import { superResNode } from "../superRes/node";
import { tensorInspectorNode } from "../tensorInspector/node";
import { textEncoderNode } from "../textEncoder/node";
import { textProjNode } from "../textProj/node";
import { tokenizerNode } from "../tokenizer/node";
import type { CatalogNode, CatalogParam, NodeDeclaration, ParamSpec } from "./types";

export const NODE_DECLARATIONS: readonly NodeDeclaration[] = [
  loadPackageNode,
  ...LOAD_COMPONENT_NODES,
  loadSchedulerNode,
  schedulerNode,
  tokenizerNode,
  textEncoderNode,
  priorNode,
  textProjNode,
  decoderNode,
  superResNode,
  loadImageNode,
  clipImageProcessorNode,
  imageEncoderNode,
  ...INTERPOLATE_NODES,
  noiseNode,
  saveImageNode,
  previewImageNode,
  tensorInspectorNode,
  noteNode,
  seedNode,
  ...PRIMITIVE_NODES,
];

const byType = new Map(NODE_DECLARATIONS.map((d) => [d.type, d]));

export function getDeclaration(type: string): NodeDeclaration | undefined {
  return byType.get(type);
}

function catalogParam({ schema, ...rest }: ParamSpec): CatalogParam {
  return { ...rest, jsonSchema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) };
}

/** Whether a node type runs (notes do not) and whether a result may be cached for these parameters. */
export function isExecutable(decl: NodeDeclaration): boolean {
  return decl.executable !== false;
}

export function isCacheable(decl: NodeDeclaration, params: Record<string, unknown>): boolean {
  const c = decl.cacheable;
  return typeof c === "function" ? c(params) : c !== false;
}

/** The declarations in JSON-serialisable form, for the editor. */
export function catalog(): CatalogNode[] {
  return NODE_DECLARATIONS.map(({ params, cacheable: _cacheable, ...rest }) => ({
    ...rest,
    inputs: rest.inputs.map((p) => ({ ...p })),
    outputs: rest.outputs.map((p) => ({ ...p })),
    params: params.map(catalogParam),
  }));
}
