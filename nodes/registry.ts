/**
 * Server-only: node type → runner. Imports every `*.run.ts`; nothing in the browser bundle may
 * import this file.
 */
import { runClipImageProcessor } from "./clipImageProcessor/run";
import { clipImageProcessorNode } from "./clipImageProcessor/node";
import { runDecoderNode } from "./decoder/run";
import { decoderNode } from "./decoder/node";
import { runImageEncoder } from "./imageEncoder/run";
import { imageEncoderNode } from "./imageEncoder/node";
import { INTERPOLATE_RUNNERS } from "./interpolate/run";
import { LOAD_COMPONENT_RUNNERS } from "./loadComponent/run";
import { runLoadImage } from "./loadImage/run";
import { loadImageNode } from "./loadImage/node";
import { runLoadPackage } from "./loadPackage/run";
import { loadPackageNode } from "./loadPackage/node";
import { runLoadScheduler } from "./loadScheduler/run";
import { loadSchedulerNode } from "./loadScheduler/node";
import { runNoise } from "./noise/run";
import { noiseNode } from "./noise/node";
import { runNote } from "./note/run";
import { noteNode } from "./note/node";
import { runPreviewImage } from "./previewImage/run";
import { previewImageNode } from "./previewImage/node";
import { PRIMITIVE_RUNNERS } from "./primitives/run";
import { runPriorNode } from "./prior/run";
import { priorNode } from "./prior/node";
import type { NodeRunner } from "./engine/runContext";
import { runSaveImage } from "./saveImage/run";
import { saveImageNode } from "./saveImage/node";
import { runScheduler } from "./scheduler/run";
import { schedulerNode } from "./scheduler/node";
import { runSeed } from "./seed/run";
import { seedNode } from "./seed/node";
import { runSuperResNode } from "./superRes/run";
import { superResNode } from "./superRes/node";
import { runTensorInspector } from "./tensorInspector/run";
import { tensorInspectorNode } from "./tensorInspector/node";
import { runTextEncoder } from "./textEncoder/run";
import { textEncoderNode } from "./textEncoder/node";
import { runTextProj } from "./textProj/run";
import { textProjNode } from "./textProj/node";
import { runTokenizer } from "./tokenizer/run";
import { tokenizerNode } from "./tokenizer/node";

export const RUNNERS: Readonly<Record<string, NodeRunner>> = {
  [loadPackageNode.type]: runLoadPackage,
  ...LOAD_COMPONENT_RUNNERS,
  [loadSchedulerNode.type]: runLoadScheduler,
  [schedulerNode.type]: runScheduler,
  [tokenizerNode.type]: runTokenizer,
  [textEncoderNode.type]: runTextEncoder,
  [priorNode.type]: runPriorNode,
  [textProjNode.type]: runTextProj,
  [decoderNode.type]: runDecoderNode,
  [superResNode.type]: runSuperResNode,
  [loadImageNode.type]: runLoadImage,
  [clipImageProcessorNode.type]: runClipImageProcessor,
  [imageEncoderNode.type]: runImageEncoder,
  ...INTERPOLATE_RUNNERS,
  [noiseNode.type]: runNoise,
  [saveImageNode.type]: runSaveImage,
  [previewImageNode.type]: runPreviewImage,
  [tensorInspectorNode.type]: runTensorInspector,
  [noteNode.type]: runNote,
  [seedNode.type]: runSeed,
  ...PRIMITIVE_RUNNERS,
};

export function runnerFor(type: string): NodeRunner | undefined {
  return Object.hasOwn(RUNNERS, type) ? RUNNERS[type] : undefined;
}
