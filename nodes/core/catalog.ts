/**
 * Every node type, as data (browser-safe: declarations import only zod and ./types), and the
 * catalog the editor receives: the same declarations with each parameter's zod schema turned
 * into JSON Schema.
 */
import { z } from "zod";
import { clipImageProcessorNode } from "./clipImageProcessor";
import { decoderNode } from "./decoder";
import { imageEncoderNode } from "./imageEncoder";
import { INTERPOLATE_NODES } from "./interpolate";
import { LOAD_COMPONENT_NODES } from "./loadComponent";
import { loadImageNode } from "./loadImage";
import { loadPackageNode } from "./loadPackage";
import { loadSchedulerNode } from "./loadScheduler";
import { noiseNode } from "./noise";
import { noteNode } from "./note";
import { previewImageNode } from "./previewImage";
import { PRIMITIVE_NODES } from "./primitives";
import { priorNode } from "./prior";
import { saveImageNode } from "./saveImage";
import { schedulerNode } from "./scheduler";
import { seedNode } from "./seed";
import { superResNode } from "./superRes";
import { tensorInspectorNode } from "./tensorInspector";
import { textEncoderNode } from "./textEncoder";
import { textProjNode } from "./textProj";
import { tokenizerNode } from "./tokenizer";
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
