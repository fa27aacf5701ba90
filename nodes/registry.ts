/**
 * Every node type the server runs, registered once: each entry pairs a declaration (browser-safe,
 * `nodes/<type>/node.ts`) with its runner (`nodes/<type>/run.ts`). A new node type is one folder
 * plus one line here. Server-only: the runners import the inference core.
 */
import "#server-only";
import { catalogOf } from "./core/catalog";
import type { CatalogNode, NodeDeclaration } from "./core/types";
import { clipImageProcessorRunner } from "./clipImageProcessor/run";
import { decoderRunner } from "./decoder/run";
import type { NodeImplementation, NodeRunner } from "./engine/runContext";
import { imageEncoderRunner } from "./imageEncoder/run";
import { INTERPOLATE_RUNNERS } from "./interpolate/run";
import { LOAD_COMPONENT_RUNNERS } from "./loadComponent/run";
import { loadImageRunner } from "./loadImage/run";
import { loadPackageRunner } from "./loadPackage/run";
import { loadSchedulerRunner } from "./loadScheduler/run";
import { noiseRunner } from "./noise/run";
import { noteRunner } from "./note/run";
import { previewImageRunner } from "./previewImage/run";
import { PRIMITIVE_RUNNERS } from "./primitives/run";
import { priorRunner } from "./prior/run";
import { saveImageRunner } from "./saveImage/run";
import { schedulerRunner } from "./scheduler/run";
import { seedRunner } from "./seed/run";
import { superResRunner } from "./superRes/run";
import { tensorInspectorRunner } from "./tensorInspector/run";
import { textEncoderRunner } from "./textEncoder/run";
import { textProjRunner } from "./textProj/run";
import { tokenizerRunner } from "./tokenizer/run";

/** In palette order. */
export const NODE_IMPLEMENTATIONS: readonly NodeImplementation[] = [
  loadPackageRunner,
  ...LOAD_COMPONENT_RUNNERS,
  loadSchedulerRunner,
  schedulerRunner,
  tokenizerRunner,
  textEncoderRunner,
  priorRunner,
  textProjRunner,
  decoderRunner,
  superResRunner,
  loadImageRunner,
  clipImageProcessorRunner,
  imageEncoderRunner,
  ...INTERPOLATE_RUNNERS,
  noiseRunner,
  saveImageRunner,
  previewImageRunner,
  tensorInspectorRunner,
  noteRunner,
  seedRunner,
  ...PRIMITIVE_RUNNERS,
];

export const NODE_DECLARATIONS: readonly NodeDeclaration[] = NODE_IMPLEMENTATIONS.map((i) => i.declaration);

const byType = new Map(NODE_IMPLEMENTATIONS.map((i) => [i.declaration.type, i]));

export function getDeclaration(type: string): NodeDeclaration | undefined {
  return byType.get(type)?.declaration;
}

export function runnerFor(type: string): NodeRunner | undefined {
  return byType.get(type)?.run;
}

/** The declarations in JSON-serialisable form, for the editor (`nodes.catalog`). */
export function catalog(): CatalogNode[] {
  return catalogOf(NODE_DECLARATIONS);
}
