/**
 * Evaluation of the toy-shapes model package through the project's own inference core (ONNX on
 * onnxruntime-node, not PyTorch). For held-out captions (shape/colour/background triples never seen in
 * training, from training/eval/eval_set.json) it generates one image each with the pipeline defaults and
 * measures:
 *   (a) colour: the shape's colour (pixels unlike the border colour, nearest palette entry) matches the caption;
 *   (b) shape: an independently trained shape classifier (training/eval/shape_classifier.onnx) agrees with it;
 *   (c) variations: a variation of each generated image keeps its shape and colour (same measures).
 * Also writes a contact sheet of the first 16 captions.
 *
 *   npx tsx scripts/evaluate-toy.ts [--model models/toy-shapes] [--n 100] [--sheet FILE] [--json FILE]
 *     [--t2i-options JSON] [--variation-options JSON]   (pipeline options other than the defaults, for diagnosis)
 *     [--images DIR]   (also writes each generated image and its variation as NNN.png / NNN-variation.png)
 *     [--classifier FILE]   (another shape classifier, default training/eval/shape_classifier.onnx)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp, { type OverlayOptions } from "sharp";
import { SessionPool } from "../server/runtime/sessionPool";
import { UnclipComponents } from "../server/unclip/components";
import type { RgbImage } from "../server/unclip/imageProcessor";
import { encodePng, toRgb8 } from "../server/unclip/imageOutput";
import { imageVariation } from "../server/unclip/pipelineImageVariation";
import { text2image } from "../server/unclip/pipelineText2Image";
import type { Float32NdArray } from "../server/unclip/tensor";
import { loadShapeClassifier, loadToyEvalSet, shapeColour as toyShapeColour } from "./lib/toyMeasures";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    model: { type: "string", default: path.join(root, "models/toy-shapes") },
    n: { type: "string", default: "100" },
    sheet: { type: "string" },
    json: { type: "string" },
    "no-variation": { type: "boolean" },
    "t2i-options": { type: "string", default: "{}" },
    "variation-options": { type: "string", default: "{}" },
    images: { type: "string" },
    classifier: { type: "string" },
  },
});
const modelDir = values.model;
const sheetFile = values.sheet ?? path.join(modelDir, "contact-sheet.png");

const t2iOptions = JSON.parse(values["t2i-options"]) as object;
const variationOptions = JSON.parse(values["variation-options"]) as object;
const evalSet = loadToyEvalSet();
if (values.images) mkdirSync(values.images, { recursive: true });
const saveImage = async (images: Float32NdArray, name: string) => {
  if (values.images) writeFileSync(path.join(values.images, name), await encodePng(images, 0));
};
const n = Math.min(Number(values.n), evalSet.captions.length);
const shapeColour = (img: RgbImage) => toyShapeColour(img, evalSet.colours);
const classifier = await loadShapeClassifier(evalSet.shapes, values.classifier);
const shapeOf = (img: RgbImage) => classifier.ofImage(img);

const pool = new SessionPool("cpu");
const components = await UnclipComponents.load(modelDir, pool);
let colourOk = 0;
let shapeOk = 0;
let bothOk = 0;
let varKept = 0;
let varColourKept = 0;
let varShapeKept = 0;
let t2iSeconds = 0;
let varSeconds = 0;
const sheet: { caption: string; image: RgbImage }[] = [];
const rows: object[] = [];
for (let i = 0; i < n; i++) {
  const row = evalSet.captions[i];
  let t0 = performance.now();
  const result = await text2image(components, { ...t2iOptions, prompt: row.caption, seed: i });
  t2iSeconds += (performance.now() - t0) / 1000;
  const image = toRgb8(result.images, 0);
  const colour = shapeColour(image);
  const shape = await shapeOf(image);
  colourOk += Number(colour === row.colour);
  shapeOk += Number(shape === row.shape);
  bothOk += Number(colour === row.colour && shape === row.shape);
  if (sheet.length < 16) sheet.push({ caption: row.caption, image });
  const stem = String(i).padStart(3, "0");
  await saveImage(result.images, `${stem}.png`);
  let variation: { colour: string | null; shape: string } | undefined;
  if (!values["no-variation"]) {
    t0 = performance.now();
    const v = await imageVariation(components, { ...variationOptions, image, seed: 10_000 + i });
    varSeconds += (performance.now() - t0) / 1000;
    const vi = toRgb8(v.images, 0);
    await saveImage(v.images, `${stem}-variation.png`);
    variation = { colour: shapeColour(vi), shape: await shapeOf(vi) };
    varColourKept += Number(variation.colour === colour);
    varShapeKept += Number(variation.shape === shape);
    varKept += Number(variation.colour === colour && variation.shape === shape);
  }
  rows.push({ caption: row.caption, expected: { shape: row.shape, colour: row.colour }, generated: { shape, colour }, variation });
  process.stderr.write(
    `${String(i + 1).padStart(3)}/${n} ${colour === row.colour ? "C" : "c"}${shape === row.shape ? "S" : "s"} ${row.caption} -> ${colour} ${shape}` +
      (variation ? ` | variation ${variation.colour} ${variation.shape}` : "") +
      "\n",
  );
}
await pool.release();

const pct = (k: number) => `${((100 * k) / n).toFixed(0)} %`;
const figures = {
  model: path.relative(root, path.resolve(modelDir)),
  captions: n,
  settings:
    "defaults: steps 25/25/7, prior guidance 4.0, decoder guidance 8.0; seed = caption index" +
    (values["t2i-options"] !== "{}" ? `; text-to-image ${values["t2i-options"]}` : "") +
    (values["variation-options"] !== "{}" ? `; variation ${values["variation-options"]}` : ""),
  colour_match: colourOk / n,
  shape_match: shapeOk / n,
  both_match: bothOk / n,
  variation_keeps_shape_and_colour: values["no-variation"] ? null : varKept / n,
  variation_keeps_colour: values["no-variation"] ? null : varColourKept / n,
  variation_keeps_shape: values["no-variation"] ? null : varShapeKept / n,
  seconds_per_text_to_image: t2iSeconds / n,
  seconds_per_variation: values["no-variation"] ? null : varSeconds / n,
};
console.log(`toy-shapes evaluation on ${n} held-out captions (${figures.settings})`);
console.log(`  (a) colour matches the caption:           ${pct(colourOk)}   (target >= 80 %)`);
console.log(`  (b) shape classifier agrees with caption: ${pct(shapeOk)}   (target >= 70 %)`);
console.log(`      both right:                           ${pct(bothOk)}`);
if (!values["no-variation"]) {
  console.log(`  (c) variation keeps shape and colour:     ${pct(varKept)}   (target >= 80 %; colour ${pct(varColourKept)}, shape ${pct(varShapeKept)})`);
}
console.log(
  `  time: ${figures.seconds_per_text_to_image.toFixed(2)} s per text-to-image` +
    (values["no-variation"] ? "" : `, ${figures.seconds_per_variation!.toFixed(2)} s per variation`),
);
if (values.json) writeFileSync(values.json, JSON.stringify({ ...figures, rows }, null, 1) + "\n");

// contact sheet: 4 x 4 cells, each the 64x64 output shown at 128x128 (nearest) with its caption below
const cell = 128;
const cols = 4;
const captionH = 44;
const padW = 200;
const sheetRows = Math.ceil(sheet.length / cols);
const W = cols * padW;
const H = sheetRows * (cell + captionH + 8);
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const word of text.split(" ")) {
    if ((cur + " " + word).trim().length > width) {
      lines.push(cur);
      cur = word;
    } else cur = (cur + " " + word).trim();
  }
  if (cur) lines.push(cur);
  return lines;
}
const composites: OverlayOptions[] = [];
let svgText = "";
for (let k = 0; k < sheet.length; k++) {
  const x = (k % cols) * padW;
  const y = Math.floor(k / cols) * (cell + captionH + 8);
  const { width, height, rgb } = sheet[k].image;
  const png = await sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } })
    .resize(cell, cell, { kernel: "nearest" })
    .png()
    .toBuffer();
  composites.push({ input: png, left: x + (padW - cell) / 2, top: y + 4 });
  wrap(sheet[k].caption, 32)
    .slice(0, 3)
    .forEach((line, j) => {
      svgText += `<text x="${x + padW / 2}" y="${y + cell + 18 + j * 13}" font-family="DejaVu Sans" font-size="11" text-anchor="middle" fill="#222">${escape(line)}</text>`;
    });
}
composites.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${svgText}</svg>`), left: 0, top: 0 });
await sharp({ create: { width: W, height: H, channels: 3, background: "#ffffff" } })
  .composite(composites)
  .png()
  .toFile(sheetFile);
console.log(`contact sheet: ${path.relative(root, path.resolve(sheetFile))}`);
