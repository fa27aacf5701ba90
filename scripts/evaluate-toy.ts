/**
 * Evaluation of the toy-shapes model package through the project's own inference core (ONNX on
 * onnxruntime-node, not PyTorch). For held-out captions (shape/colour/background triples never seen in
 * training, from training/eval/eval_set.json) it generates one image each with the pipeline defaults and
 * measures:
 *   (a) colour: the shape's colour (pixels unlike the border colour, nearest palette entry) matches the caption;
 *   (b) shape: an independently trained shape classifier (training/eval/shape_classifier.onnx) agrees with it;
 *   (c) variations: a variation of each generated image keeps its shape and colour (same measures).
 *   (d) every attribute the caption grammar names, read from the picture itself (scripts/lib/toyAttributes.ts):
 *       shape with fill (circle vs ring: the outline classifier cannot tell them apart), shape colour, and the
 *       background, size and position where the caption names them; per attribute and per colour pair
 *       (shape colour on background, worst first), over --seeds seeds per caption (seed = index + 1000 x k);
 *       plus a probe caption (default: the "Text to image" template's prompt) over --probe-seeds seeds;
 *   (e) seed diversity where a caption leaves size, position or background free;
 *   (f) circles on every colour pair: "a large <colour> circle in the centre on a <background> background" for
 *       all 56 ordered pairs over --circle-seeds seeds (0 skips it): drawn filled, in its colour, on its background.
 * Also writes a contact sheet of the first 16 captions (not with --no-sheet). The last stdout line is
 * `json: {...}` with the summary.
 *
 *   npx tsx scripts/evaluate-toy.ts [--model models/toy-shapes] [--n 100] [--seeds 1] [--sheet FILE | --no-sheet] [--json FILE]
 *     [--probe CAPTION ...] [--probe-seeds 4]   (default probes: the two captions of issue #21 and "a red circle")
 *     [--circle-seeds 2]
 *     [--t2i-options JSON] [--variation-options JSON]   (pipeline options other than the defaults, for diagnosis)
 *     [--images DIR]   (also writes each generated image and its variation as NNN.png / NNN-variation.png)
 *     [--classifier FILE]   (another shape classifier, default training/eval/shape_classifier.onnx)
 *     [--int8]   (evaluate the int8 copy the exporter's quantiser makes, calibrated on toy captions; cached in .cache/int8)
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
import { TEXT_TO_IMAGE_DEFAULTS, text2image } from "../server/unclip/pipelineText2Image";
import { INT8_CACHE, int8CopyOf } from "./lib/int8Bench";
import type { Float32NdArray } from "../server/unclip/tensor";
import { expectedFill, measureAttributes, namedAttributes, seedDiversity, type SeedSample, type ToyAttributes } from "./lib/toyAttributes";
import { loadShapeClassifier, loadToyEvalSet, shapeColour as toyShapeColour } from "./lib/toyMeasures";

const root = path.resolve(import.meta.dirname, "..");
/** Calibration captions for --int8: the grammar's shapes, colours, sizes and places, none of them an evaluation caption. */
const TOY_CALIBRATION_PROMPTS = [
  "a large red circle in the centre on a blue background",
  "a small yellow star in the top left",
  "a green ring on a white background",
  "one black square at the bottom on a pink background",
  "a cyan cross in the top right corner",
  "a large white triangle on a red background",
  "a pink circle on the left on a black background",
  "a blue star at the bottom right on a yellow background",
  "a red square",
  "a small green cross in the middle on a cyan background",
];
const { values } = parseArgs({
  options: {
    model: { type: "string", default: path.join(root, "models/toy-shapes") },
    n: { type: "string", default: "100" },
    seeds: { type: "string", default: "1" },
    sheet: { type: "string" },
    "no-sheet": { type: "boolean" },
    probe: {
      type: "string",
      multiple: true,
      default: ["a large red circle in the centre on a blue background", "a large pink circle in the centre on a cyan background", "a red circle"],
    },
    "probe-seeds": { type: "string", default: "4" },
    "circle-seeds": { type: "string", default: "2" },
    json: { type: "string" },
    "no-variation": { type: "boolean" },
    "t2i-options": { type: "string", default: "{}" },
    "variation-options": { type: "string", default: "{}" },
    images: { type: "string" },
    classifier: { type: "string" },
    int8: { type: "boolean" },
  },
});
// --int8: the int8 copy the exporter's quantiser makes, calibrated on captions of the toy world (the
// default calibration prompts are photo captions this model cannot read), cached in .cache/int8
const modelDir = values.int8
  ? await int8CopyOf("/usr/bin/python3", path.resolve(values.model), (line) => console.log(line), INT8_CACHE, TOY_CALIBRATION_PROMPTS)
  : values.model;
const sheetFile = values.sheet ?? path.join(modelDir, "contact-sheet.png");

const t2iOptions = JSON.parse(values["t2i-options"]) as object;
const variationOptions = JSON.parse(values["variation-options"]) as object;
const evalSet = loadToyEvalSet();
if (values.images) mkdirSync(values.images, { recursive: true });
const saveImage = async (images: Float32NdArray, name: string) => {
  if (values.images) writeFileSync(path.join(values.images, name), await encodePng(images, 0));
};
const n = Math.min(Number(values.n), evalSet.captions.length);
const seeds = Math.max(1, Number(values.seeds));
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
// (d) attribute tallies: attribute -> [right, judged]; colour pair -> tallies
const attrTally = new Map<string, [number, number]>();
const tally = (key: string, ok: boolean, into = attrTally) => {
  const t = into.get(key) ?? [0, 0];
  t[0] += Number(ok);
  t[1] += 1;
  into.set(key, t);
};
const pairTally = new Map<string, { samples: number; allRight: number; visible: number; misses: Map<string, number> }>();
/** The shape with fill: the classifier's outline, and for round outlines (circle, ring) the measured fill. */
const shapeWithFill = (outline: string, a: ToyAttributes) =>
  outline === "circle" || outline === "ring" ? (a.fill === "hollow" ? "ring" : a.fill === "filled" ? "circle" : "none") : outline;
const samples = n * seeds;
const seedSamples: SeedSample[] = [];
const wallStart = performance.now();
for (let j = 0; j < samples; j++) {
  const i = j % n;
  const k = Math.floor(j / n);
  const row = evalSet.captions[i];
  let t0 = performance.now();
  const result = await text2image(components, { ...t2iOptions, prompt: row.caption, seed: i + 1000 * k });
  t2iSeconds += (performance.now() - t0) / 1000;
  const image = toRgb8(result.images, 0);
  const colour = shapeColour(image);
  const shape = await shapeOf(image);
  const attrs = measureAttributes(image, evalSet.colours);
  const named = namedAttributes(row.caption);
  seedSamples.push({ caption: row.caption, attributes: attrs });
  const judged: Record<string, boolean> = {
    "shape incl. fill": shapeWithFill(shape, attrs) === row.shape,
    "fill (filled vs hollow)": attrs.fill === expectedFill(row.shape),
    "shape colour": attrs.colour === row.colour,
  };
  if (named.background) judged.background = attrs.background === row.background;
  if (named.size) judged.size = attrs.size === row.size;
  if (named.position) judged.position = attrs.position === row.position;
  for (const [key, ok] of Object.entries(judged)) tally(key, ok);
  tally("shape (outline classifier only)", shape === row.shape);
  if (row.shape === "circle") tally("circle drawn filled", attrs.fill === "filled");
  if (row.shape === "ring") tally("ring drawn hollow", attrs.fill === "hollow");
  tally("visible shape", attrs.colour !== null);
  const allRight = Object.values(judged).every(Boolean);
  tally("all named attributes right", allRight);
  // the pair drawn: the caption's background where it names one, else the background the model chose
  const pairKey = `${row.colour} on ${named.background ? row.background : attrs.background}`;
  const pair = pairTally.get(pairKey) ?? { samples: 0, allRight: 0, visible: 0, misses: new Map<string, number>() };
  pair.samples++;
  pair.allRight += Number(allRight);
  pair.visible += Number(attrs.colour !== null);
  for (const [key, ok] of Object.entries(judged)) if (!ok) pair.misses.set(key, (pair.misses.get(key) ?? 0) + 1);
  pairTally.set(pairKey, pair);
  colourOk += Number(colour === row.colour);
  shapeOk += Number(shape === row.shape);
  bothOk += Number(colour === row.colour && shape === row.shape);
  if (sheet.length < 16) sheet.push({ caption: row.caption, image });
  const stem = String(j).padStart(3, "0");
  await saveImage(result.images, `${stem}.png`);
  let variation: { colour: string | null; shape: string } | undefined;
  if (!values["no-variation"]) {
    t0 = performance.now();
    const v = await imageVariation(components, { ...variationOptions, image, seed: 10_000 + i + 1000 * k });
    varSeconds += (performance.now() - t0) / 1000;
    const vi = toRgb8(v.images, 0);
    await saveImage(v.images, `${stem}-variation.png`);
    variation = { colour: shapeColour(vi), shape: await shapeOf(vi) };
    varColourKept += Number(variation.colour === colour);
    varShapeKept += Number(variation.shape === shape);
    varKept += Number(variation.colour === colour && variation.shape === shape);
  }
  rows.push({ caption: row.caption, seed: i + 1000 * k, expected: row, generated: { shape, colour }, attributes: attrs, judged, variation });
  process.stderr.write(
    `${String(j + 1).padStart(3)}/${samples} ${colour === row.colour ? "C" : "c"}${shape === row.shape ? "S" : "s"} ${row.caption} -> ${colour} ${shape}` +
      ` | ${attrs.size ?? "-"} ${attrs.colour ?? "-"} ${attrs.fill ?? "-"} at ${attrs.position ?? "-"} on ${attrs.background}${allRight ? "" : " MISS"}` +
      (variation ? ` | variation ${variation.colour} ${variation.shape}` : "") +
      "\n",
  );
}
// the probe caption over several seeds: what the default template's prompt is drawn as
const probes: { caption: string; seed: number; shape: string; attributes: ToyAttributes }[] = [];
for (const caption of values.probe)
  for (let seed = 0; seed < Number(values["probe-seeds"]); seed++) {
    const result = await text2image(components, { ...t2iOptions, prompt: caption, seed });
    const image = toRgb8(result.images, 0);
    const attributes = measureAttributes(image, evalSet.colours);
    probes.push({ caption, seed, shape: shapeWithFill(await shapeOf(image), attributes), attributes });
  }
// (f) a large filled circle on every colour pair: the ring/circle confusion and low-contrast pairs, everywhere
const colourNames = Object.keys(evalSet.colours);
const circlePairs: { pair: string; seeds: number; filled: number; colour: number; background: number; allRight: number }[] = [];
for (const colour of colourNames)
  for (const background of colourNames) {
    if (colour === background || Number(values["circle-seeds"]) <= 0) continue;
    const row = { pair: `${colour} on ${background}`, seeds: 0, filled: 0, colour: 0, background: 0, allRight: 0 };
    for (let seed = 0; seed < Number(values["circle-seeds"]); seed++) {
      const prompt = `a large ${colour} circle in the centre on a ${background} background`;
      const image = toRgb8((await text2image(components, { ...t2iOptions, prompt, seed })).images, 0);
      const a = measureAttributes(image, evalSet.colours);
      const shape = shapeWithFill(await shapeOf(image), a);
      row.seeds++;
      row.filled += Number(shape === "circle");
      row.colour += Number(a.colour === colour);
      row.background += Number(a.background === background);
      row.allRight += Number(shape === "circle" && a.colour === colour && a.background === background && a.size === "large" && a.position === "centre");
    }
    circlePairs.push(row);
  }
await pool.release();
const wallSeconds = (performance.now() - wallStart) / 1000;

/** The settings a run without options uses: diffusers' defaults, then the package's own (`_pipeline_defaults`). */
function describeDefaults(o: { [K in keyof typeof TEXT_TO_IMAGE_DEFAULTS]: number }): string {
  const steps = `${o.priorNumInferenceSteps}/${o.decoderNumInferenceSteps}/${o.superResNumInferenceSteps}`;
  return `steps ${steps}, prior guidance ${o.priorGuidanceScale.toFixed(1)}, decoder guidance ${o.decoderGuidanceScale.toFixed(1)}`;
}

const pct = (k: number) => `${((100 * k) / samples).toFixed(0)} %`;
const figures = {
  model: path.relative(root, path.resolve(modelDir)),
  captions: n,
  seeds_per_caption: seeds,
  settings:
    `defaults: ${describeDefaults({ ...TEXT_TO_IMAGE_DEFAULTS, ...components.pkg.pipelineDefaults })}; seed = caption index + 1000 x seed number` +
    (values["t2i-options"] !== "{}" ? `; text-to-image ${values["t2i-options"]}` : "") +
    (values["variation-options"] !== "{}" ? `; variation ${values["variation-options"]}` : ""),
  colour_match: colourOk / samples,
  shape_match: shapeOk / samples,
  both_match: bothOk / samples,
  variation_keeps_shape_and_colour: values["no-variation"] ? null : varKept / samples,
  variation_keeps_colour: values["no-variation"] ? null : varColourKept / samples,
  variation_keeps_shape: values["no-variation"] ? null : varShapeKept / samples,
  seconds_per_text_to_image: t2iSeconds / samples,
  seconds_per_variation: values["no-variation"] ? null : varSeconds / samples,
};
console.log(`toy-shapes evaluation on ${n} held-out captions x ${seeds} seeds (${figures.settings})`);
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

// (d) the attribute table and the colour-pair table (worst first)
const share = ([ok, all]: [number, number]) => `${ok}/${all}`.padStart(8) + `${((100 * ok) / all).toFixed(0)} %`.padStart(7);
console.log(`\n(d) attributes read from the picture (${samples} pictures; background, size, position only where the caption names them)`);
console.log(`  ${"attribute".padEnd(34)} ${"right".padStart(8)} ${"".padStart(6)}`);
const attributes = Object.fromEntries([...attrTally].map(([key, [ok, all]]) => [key, { right: ok, judged: all, share: ok / all }]));
for (const [key, t] of attrTally) console.log(`  ${key.padEnd(34)} ${share(t)}`);
const contrast = (a: string, b: string) => {
  const [p, q] = [evalSet.colours[a], evalSet.colours[b]];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};
const pairs = [...pairTally]
  .map(([key, t]) => {
    const [c, b] = key.split(" on ");
    return { pair: key, contrast: Math.round(contrast(c, b)), ...t, misses: Object.fromEntries(t.misses) };
  })
  .sort((a, b) => a.allRight / a.samples - b.allRight / b.samples || a.contrast - b.contrast);
console.log(`\n(d) per colour pair (shape colour on background), worst first; contrast = RGB distance of the palette colours`);
console.log(`  ${"pair".padEnd(20)} ${"contrast".padStart(8)} ${"all right".padStart(14)} ${"visible".padStart(8)}  misses`);
for (const p of pairs)
  console.log(
    `  ${p.pair.padEnd(20)} ${String(p.contrast).padStart(8)} ${share([p.allRight, p.samples])} ${`${p.visible}/${p.samples}`.padStart(8)}  ` +
      Object.entries(p.misses)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
  );
// seed diversity: where a caption leaves size, position or background free, do its seeds draw different ones?
const colourCount = Object.keys(evalSet.colours).length;
const diversity = seedDiversity(seedSamples, { size: 2, position: 9, background: colourCount - 1 });
console.log(`\n(e) seed diversity where the caption leaves the attribute free (${seeds} seeds per caption)`);
console.log(
  `  ${"attribute".padEnd(12)} ${"captions".padStart(8)} ${"varied".padStart(8)} ${"distinct per caption".padStart(22)} ${"uniform random".padStart(15)}`,
);
for (const [key, f] of Object.entries(diversity))
  console.log(
    `  ${key.padEnd(12)} ${String(f.captions).padStart(8)} ${String(f.varied).padStart(8)} ${f.meanDistinct.toFixed(2).padStart(22)} ${f.uniformDistinct.toFixed(2).padStart(15)}`,
  );
console.log(`\nprobes, ${values["probe-seeds"]} seeds each (shape incl. fill, fill, colour, size, position, background):`);
for (const p of probes)
  console.log(
    `  "${p.caption}" seed ${p.seed}: ${p.shape}, ${p.attributes.fill ?? "no shape"}, ${p.attributes.colour ?? "-"} ${p.attributes.size ?? "-"} at ${p.attributes.position ?? "-"} on ${p.attributes.background}`,
  );
if (circlePairs.length) {
  const sum = (k: "seeds" | "filled" | "colour" | "background" | "allRight") => circlePairs.reduce((t, r) => t + r[k], 0);
  const worst = circlePairs.filter((r) => r.allRight < r.seeds);
  console.log(
    `\n(f) "a large <colour> circle in the centre on a <background> background", ${circlePairs.length} colour pairs x ${values["circle-seeds"]} seeds: ` +
      `filled circle ${sum("filled")}/${sum("seeds")}, colour ${sum("colour")}/${sum("seeds")}, background ${sum("background")}/${sum("seeds")}, ` +
      `everything right ${sum("allRight")}/${sum("seeds")}`,
  );
  for (const r of worst)
    console.log(
      `  ${r.pair.padEnd(20)} filled ${r.filled}/${r.seeds}, colour ${r.colour}/${r.seeds}, background ${r.background}/${r.seeds}, all ${r.allRight}/${r.seeds}`,
    );
}
console.log(`wall time: ${wallSeconds.toFixed(0)} s`);
const summary = { ...figures, wall_seconds: wallSeconds, attributes, pairs, seed_diversity: diversity, probes, circle_pairs: circlePairs };
if (values.json) writeFileSync(values.json, JSON.stringify({ ...summary, rows }, null, 1) + "\n");

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
if (values["no-sheet"]) {
  console.log(`json: ${JSON.stringify(summary)}`);
  process.exit(0);
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
console.log(`json: ${JSON.stringify(summary)}`);
