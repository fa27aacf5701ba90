/**
 * The default workflows, laid out left to right in the order data flows. Browser-safe: built from
 * the declarations (for types and default parameters) and the workflow format only.
 */
import { WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow } from "./workflow";
import { clipImageProcessorNode } from "../clipImageProcessor/node";
import { decoderNode } from "../decoder/node";
import { imageEncoderNode } from "../imageEncoder/node";
import { INTERPOLATE_NODES, INTERPOLATE_VARIANTS } from "../interpolate/node";
import { loadImageNode } from "../loadImage/node";
import { loadPackageNode } from "../loadPackage/node";
import { noteNode } from "../note/node";
import { previewImageNode } from "../previewImage/node";
import { priorNode } from "../prior/node";
import { saveImageNode } from "../saveImage/node";
import { schedulerNode } from "../scheduler/node";
import { seedNode } from "../seed/node";
import { superResNode } from "../superRes/node";
import { textEncoderNode } from "../textEncoder/node";
import { textProjNode } from "../textProj/node";
import { tokenizerNode } from "../tokenizer/node";
import type { NodeDeclaration } from "./types";
import { exampleValue } from "./examples";
import { compareGuidanceTemplate } from "./sweepTemplates";

export const DEFAULT_PACKAGE = "toy-shapes";
/**
 * The default package's own prior guidance scale, 1 (no guidance): its model_index.json sets
 * `_pipeline_defaults` (server/runtime/pipelineDefaults.ts) because its prior, guided at Karlo's 4,
 * over-shoots (the red circle on blue comes out dark red). The templates are built for that package, so
 * they start from its value; tests/unit/pipelineDefaults.test.ts checks the two agree.
 */
export const DEFAULT_PACKAGE_PRIOR_GUIDANCE = 1;
export const TEMPLATE_NODE_WIDTH = 280;
const COLUMN_GAP = 56;
const ROW_GAP = 40;
/** Vertical room between a band and the one below it: the frames' padding and title bar (app/editor/lib/groups.ts) and a gap. */
const BAND_GAP = 110;

/** Height the editor needs for a node: title bar, one row per port pair, one per parameter. */
export function estimateNodeHeight(decl: NodeDeclaration): number {
  const portRows = Math.max(decl.inputs.length, decl.outputs.length);
  const paramRows = decl.params.reduce((h, p) => h + (p.widget === "textarea" ? 96 : 32), 0);
  return 40 + 24 * portRows + paramRows + 16;
}

interface Placement {
  id: string;
  decl: NodeDeclaration;
  column: number;
  params?: Record<string, unknown>;
  title?: string;
  /**
   * Bands are rows: band 1 starts below every node of band 0 in the columns band 1 spans and one
   * either side, so a frame in one band never reaches into a frame of another. Default 0.
   */
  band?: number;
}

/** [from node, from port, to node, to port] */
type Wire = [string, string, string, string];

/** A stage of the pipeline, drawn as a frame around its nodes: [title, colour, node ids]. */
type Frame = [string, NonNullable<Workflow["groups"]>[number]["color"], string[]];

function defaultsOf(decl: NodeDeclaration): Record<string, unknown> {
  return Object.fromEntries(decl.params.map((p) => [p.name, p.default]));
}

function buildWorkflow(name: string, description: string, placements: Placement[], wires: Wire[], frames: Frame[] = []): Workflow {
  // each band is stacked column by column, band after band, then the nodes are listed in the order given
  const columnBottom = new Map<string, number>();
  const bottomOf = (band: number, column: number) => columnBottom.get(`${band}:${column}`);
  const yOf = new Map<string, number>();
  const bands = [...new Set(placements.map((p) => p.band ?? 0))].sort((a, b) => a - b);
  for (const band of bands) {
    const inBand = placements.filter((p) => (p.band ?? 0) === band);
    const columns = inBand.map((p) => p.column);
    const lo = Math.min(...columns) - 1;
    const hi = Math.max(...columns) + 1;
    let top = 0;
    for (const b of bands.filter((x) => x < band))
      for (let c = lo; c <= hi; c++) {
        const bottom = bottomOf(b, c);
        if (bottom !== undefined) top = Math.max(top, bottom - ROW_GAP + BAND_GAP);
      }
    // …and below every frame above that reaches into those columns, wherever its tallest member is
    for (const [, , members] of frames) {
      const above = placements.filter((p) => members.includes(p.id) && (p.band ?? 0) < band);
      if (!above.length || Math.max(...above.map((p) => p.column)) < lo || Math.min(...above.map((p) => p.column)) > hi) continue;
      for (const p of above) top = Math.max(top, yOf.get(p.id)! + estimateNodeHeight(p.decl) + BAND_GAP);
    }
    for (const p of inBand) {
      const y = bottomOf(band, p.column) ?? top;
      yOf.set(p.id, y);
      columnBottom.set(`${band}:${p.column}`, y + estimateNodeHeight(p.decl) + ROW_GAP);
    }
  }
  const nodes = placements.map((p) => {
    const y = yOf.get(p.id)!;
    return {
      id: p.id,
      type: p.decl.type,
      params: { ...defaultsOf(p.decl), ...p.params },
      position: { x: p.column * (TEMPLATE_NODE_WIDTH + COLUMN_GAP), y },
      ...(p.title ? { title: p.title } : {}),
    };
  });
  const links = wires.map(([fromNode, fromPort, toNode, toPort], i) => ({
    id: `l${i + 1}`,
    from: { node: fromNode, port: fromPort },
    to: { node: toNode, port: toPort },
  }));
  const groups = frames.map(([title, color, members], i) => ({ id: `stage${i + 1}`, title, ...(color ? { color } : {}), nodes: members }));
  return { format: WORKFLOW_FORMAT, version: WORKFLOW_VERSION, name, nodes, links, ...(groups.length ? { groups } : {}), meta: { description } };
}

/** super_res_first and super_res_last as two wires, as diffusers lists them (the pair's wire still works). */
const superResUnetWires = (loader: string, superRes: string): Wire[] => [
  [loader, "superResFirst", superRes, "superResFirst"],
  [loader, "superResLast", superRes, "superResLast"],
];

const seedToSamplers = (samplers: string[]): Wire[] => samplers.map((s) => ["seed", "seed", s, "seed"]);

function schedulerPlacement(id: string, column: number, steps: number, title: string, band = 0): Placement {
  return { id, decl: schedulerNode, column, params: { numInferenceSteps: steps }, title, band };
}

const textToImage = buildWorkflow(
  "Text to image",
  "The full unCLIP (Karlo) pipeline: text → CLIP text embedding → prior → image embedding → decoder (32 px on the default toy-shapes model, 64 px in Karlo) → super-resolution (to 64 px; 256 px in Karlo).",
  [
    { id: "package", decl: loadPackageNode, column: 0, params: { package: DEFAULT_PACKAGE } },
    { id: "seed", decl: seedNode, column: 0 },
    {
      id: "note",
      decl: noteNode,
      column: 0,
      params: {
        text: "Text → image in three stages: the prior turns the text embedding into a CLIP image embedding, the decoder paints a small image from it, and super-resolution enlarges it. One seed feeds all three samplers.",
      },
    },
    { id: "tokenizer", decl: tokenizerNode, column: 1 },
    { id: "textEncoder", decl: textEncoderNode, column: 2 },
    { id: "prior", decl: priorNode, column: 3, params: { guidanceScale: DEFAULT_PACKAGE_PRIOR_GUIDANCE } },
    { id: "textProj", decl: textProjNode, column: 4 },
    { id: "decoder", decl: decoderNode, column: 5 },
    { id: "superRes", decl: superResNode, column: 6 },
    { id: "save", decl: saveImageNode, column: 7 },
    // the schedulers in a row under the stages, each left of its sampler
    schedulerPlacement("priorScheduler", 2, 25, "Prior scheduler", 1),
    schedulerPlacement("decoderScheduler", 4, 25, "Decoder scheduler", 1),
    schedulerPlacement("superResScheduler", 5, 7, "Super-res scheduler", 1),
    // under the stages too, where its picture has room to grow without covering another node
    { id: "preview", decl: previewImageNode, column: 6, band: 1, title: "Decoder output (small)" },
  ],
  [
    ["package", "tokenizer", "tokenizer", "tokenizer"],
    ["tokenizer", "tokens", "textEncoder", "tokens"],
    ["package", "textEncoder", "textEncoder", "textEncoder"],
    ["package", "priorScheduler", "priorScheduler", "scheduler"],
    ["package", "prior", "prior", "prior"],
    ["priorScheduler", "scheduler", "prior", "scheduler"],
    ["textEncoder", "embedding", "prior", "text"],
    ["package", "textProj", "textProj", "textProj"],
    ["textEncoder", "embedding", "textProj", "text"],
    ["prior", "imageEmbedding", "textProj", "imageEmbedding"],
    ["package", "decoderScheduler", "decoderScheduler", "scheduler"],
    ["package", "decoder", "decoder", "decoder"],
    ["decoderScheduler", "scheduler", "decoder", "scheduler"],
    ["textProj", "conditioning", "decoder", "conditioning"],
    ["decoder", "image", "preview", "image"],
    ["package", "superResScheduler", "superResScheduler", "scheduler"],
    ...superResUnetWires("package", "superRes"),
    ["superResScheduler", "scheduler", "superRes", "scheduler"],
    ["decoder", "image", "superRes", "image"],
    ["superRes", "image", "save", "image"],
    ...seedToSamplers(["prior", "decoder", "superRes"]),
  ],
  [
    ["Text encoding", "blue", ["tokenizer", "textEncoder"]],
    ["Prior", "purple", ["prior"]],
    ["Decoder", "orange", ["textProj", "decoder"]],
    ["Super-resolution", "green", ["superRes"]],
  ],
);

const imageVariation = buildWorkflow(
  "Image variation",
  "New images CLIP would describe like the input (a shipped example picture to start with; upload your own): the CLIP image encoder gives the image embedding directly (no prior), the text side is the empty prompt.",
  [
    { id: "package", decl: loadPackageNode, column: 0, params: { package: DEFAULT_PACKAGE } },
    { id: "seed", decl: seedNode, column: 0 },
    {
      id: "note",
      decl: noteNode,
      column: 0,
      params: {
        text: "Variations: instead of a prior guessing an image embedding from text, the CLIP image encoder reads it off the picture. The decoder and super-resolution then paint new images with that embedding; the prompt is left empty.",
      },
    },
    { id: "image", decl: loadImageNode, column: 1, params: { image: exampleValue("red-ring.png") } },
    { id: "imageProcessor", decl: clipImageProcessorNode, column: 2 },
    { id: "imageEncoder", decl: imageEncoderNode, column: 3 },
    { id: "tokenizer", decl: tokenizerNode, column: 1, params: { prompt: "" }, title: "Tokenizer (empty prompt)", band: 1 },
    { id: "textEncoder", decl: textEncoderNode, column: 2, band: 1 },
    { id: "textProj", decl: textProjNode, column: 4 },
    { id: "decoder", decl: decoderNode, column: 5 },
    { id: "superRes", decl: superResNode, column: 6 },
    { id: "save", decl: saveImageNode, column: 7 },
    schedulerPlacement("decoderScheduler", 4, 25, "Decoder scheduler", 1),
    schedulerPlacement("superResScheduler", 5, 7, "Super-res scheduler", 1),
    { id: "preview", decl: previewImageNode, column: 6, band: 1, title: "Decoder output (small)" },
  ],
  [
    ["package", "imageProcessor", "imageProcessor", "imageProcessor"],
    ["image", "image", "imageProcessor", "image"],
    ["package", "imageEncoder", "imageEncoder", "imageEncoder"],
    ["imageProcessor", "pixelValues", "imageEncoder", "pixelValues"],
    ["package", "tokenizer", "tokenizer", "tokenizer"],
    ["tokenizer", "tokens", "textEncoder", "tokens"],
    ["package", "textEncoder", "textEncoder", "textEncoder"],
    ["package", "textProj", "textProj", "textProj"],
    ["textEncoder", "embedding", "textProj", "text"],
    ["imageEncoder", "imageEmbedding", "textProj", "imageEmbedding"],
    ["package", "decoderScheduler", "decoderScheduler", "scheduler"],
    ["package", "decoder", "decoder", "decoder"],
    ["decoderScheduler", "scheduler", "decoder", "scheduler"],
    ["textProj", "conditioning", "decoder", "conditioning"],
    ["decoder", "image", "preview", "image"],
    ["package", "superResScheduler", "superResScheduler", "scheduler"],
    ...superResUnetWires("package", "superRes"),
    ["superResScheduler", "scheduler", "superRes", "scheduler"],
    ["decoder", "image", "superRes", "image"],
    ["superRes", "image", "save", "image"],
    ...seedToSamplers(["decoder", "superRes"]),
  ],
  [
    ["Image encoding (instead of the prior)", "red", ["image", "imageProcessor", "imageEncoder"]],
    ["Text encoding (empty prompt)", "blue", ["tokenizer", "textEncoder"]],
    ["Decoder", "orange", ["textProj", "decoder"]],
    ["Super-resolution", "green", ["superRes"]],
  ],
);

const textFramesType = INTERPOLATE_VARIANTS.find((v) => v.subject === "text" && v.mode === "frames")!.type;
const interpolateTextFramesNode = INTERPOLATE_NODES.find((d) => d.type === textFramesType)!;

const promptInterpolation = buildWorkflow(
  "Prompt interpolation",
  "Frames morphing from one prompt to another: the two text embeddings are blended by slerp, and each blend goes through prior, decoder and super-resolution.",
  [
    { id: "package", decl: loadPackageNode, column: 0, params: { package: DEFAULT_PACKAGE } },
    { id: "seed", decl: seedNode, column: 0 },
    {
      id: "note",
      decl: noteNode,
      column: 0,
      params: {
        text: "Prompt interpolation: both prompts are encoded, then blended along the arc between them (slerp) into a batch of frames. Each frame is one row through the prior, decoder and super-resolution.",
      },
    },
    {
      id: "tokenizerA",
      decl: tokenizerNode,
      column: 1,
      params: { prompt: "a large red circle in the centre on a white background" },
      title: "Tokenizer (from)",
    },
    {
      id: "tokenizerB",
      decl: tokenizerNode,
      column: 1,
      params: { prompt: "a large blue square in the centre on a white background" },
      title: "Tokenizer (to)",
    },
    { id: "textEncoderA", decl: textEncoderNode, column: 2, title: "Text Encoder (from)" },
    { id: "textEncoderB", decl: textEncoderNode, column: 2, title: "Text Encoder (to)" },
    { id: "interpolate", decl: interpolateTextFramesNode, column: 3, params: { frames: 5, method: "slerp" } },
    { id: "prior", decl: priorNode, column: 4, params: { guidanceScale: DEFAULT_PACKAGE_PRIOR_GUIDANCE } },
    { id: "textProj", decl: textProjNode, column: 5 },
    { id: "decoder", decl: decoderNode, column: 6 },
    { id: "superRes", decl: superResNode, column: 7 },
    { id: "save", decl: saveImageNode, column: 8 },
    schedulerPlacement("priorScheduler", 3, 25, "Prior scheduler", 1),
    schedulerPlacement("decoderScheduler", 5, 25, "Decoder scheduler", 1),
    schedulerPlacement("superResScheduler", 6, 7, "Super-res scheduler", 1),
  ],
  [
    ["package", "tokenizer", "tokenizerA", "tokenizer"],
    ["package", "tokenizer", "tokenizerB", "tokenizer"],
    ["package", "textEncoder", "textEncoderA", "textEncoder"],
    ["package", "textEncoder", "textEncoderB", "textEncoder"],
    ["tokenizerA", "tokens", "textEncoderA", "tokens"],
    ["tokenizerB", "tokens", "textEncoderB", "tokens"],
    ["textEncoderA", "embedding", "interpolate", "a"],
    ["textEncoderB", "embedding", "interpolate", "b"],
    ["package", "priorScheduler", "priorScheduler", "scheduler"],
    ["package", "prior", "prior", "prior"],
    ["priorScheduler", "scheduler", "prior", "scheduler"],
    ["interpolate", "embedding", "prior", "text"],
    ["package", "textProj", "textProj", "textProj"],
    ["interpolate", "embedding", "textProj", "text"],
    ["prior", "imageEmbedding", "textProj", "imageEmbedding"],
    ["package", "decoderScheduler", "decoderScheduler", "scheduler"],
    ["package", "decoder", "decoder", "decoder"],
    ["decoderScheduler", "scheduler", "decoder", "scheduler"],
    ["textProj", "conditioning", "decoder", "conditioning"],
    ["package", "superResScheduler", "superResScheduler", "scheduler"],
    ...superResUnetWires("package", "superRes"),
    ["superResScheduler", "scheduler", "superRes", "scheduler"],
    ["decoder", "image", "superRes", "image"],
    ["superRes", "image", "save", "image"],
    ...seedToSamplers(["prior", "decoder", "superRes"]),
  ],
  [
    ["Text encoding and blend", "blue", ["tokenizerA", "tokenizerB", "textEncoderA", "textEncoderB", "interpolate"]],
    ["Prior", "purple", ["prior"]],
    ["Decoder", "orange", ["textProj", "decoder"]],
    ["Super-resolution", "green", ["superRes"]],
  ],
);

/**
 * Text to image with every node traced and the teaching views open: run it, then select the
 * Prior, the Decoder or Super-Res and step through their denoising.
 */
const TEACHING_NOTE =
  "Press Run, then click a node and use the Teach drawer below the canvas: Prior → how the image embedding forms (Trajectory); Decoder → every denoising step (Timeline) and what guidance does (Guidance); Super-Res → the two UNets; a Scheduler → its noise schedule; a wire → the tensor on it. Every node here has “Trace this node” on.";

const teaching: Workflow = {
  ...textToImage,
  name: "Teaching: watch unCLIP draw",
  meta: {
    description:
      "The full text-to-image pipeline with every step recorded, so each stage can be watched at work: text → embedding → prior → decoder → super-resolution.",
    teach: true,
  },
  nodes: textToImage.nodes.map((n) => ({
    ...n,
    params:
      n.id === "note"
        ? { ...n.params, text: TEACHING_NOTE }
        : n.id === "tokenizer"
          ? { ...n.params, prompt: "a red circle on a blue background" }
          : { ...n.params },
    ...(n.type === noteNode.type ? {} : { trace: true }),
  })),
};

export const TEMPLATES: readonly Workflow[] = [textToImage, imageVariation, promptInterpolation, teaching, compareGuidanceTemplate(textToImage)];

export function templateByName(name: string): Workflow | undefined {
  return TEMPLATES.find((t) => t.name === name);
}
