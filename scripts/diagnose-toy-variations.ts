/**
 * Where do variations lose the shape? Runs the variation pipeline (defaults, seed 10000 + i) of a toy-shapes
 * package on clean renders (training/render_pictures.py) and counts how often the shape classifier finds the
 * rendered shape: in the render itself, in the variation, and in the decoder's own image upscaled as the
 * pipeline does (before super-res), so a loss can be put on the decoder or on super-res. Also the colour.
 *
 *   /usr/bin/python3 training/render_pictures.py --out /tmp/renders
 *   npx tsx scripts/diagnose-toy-variations.ts --renders /tmp/renders [--model models/toy-shapes]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { SessionPool } from "../server/runtime/sessionPool";
import { UnclipComponents } from "../server/unclip/components";
import { toRgb8 } from "../server/unclip/imageOutput";
import { decodeImage } from "../server/unclip/imageProcessor";
import { imageVariation } from "../server/unclip/pipelineImageVariation";
import type { Float32NdArray } from "../server/unclip/tensor";
import { loadShapeClassifier, loadToyEvalSet, shapeColour } from "./lib/toyMeasures";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    model: { type: "string", default: path.join(root, "models/toy-shapes") },
    renders: { type: "string" },
  },
});
if (!values.renders) throw new Error("--renders: give the folder written by training/render_pictures.py");
const rows = JSON.parse(readFileSync(path.join(values.renders, "index.json"), "utf8")) as { file: string; caption: string; shape: string; colour: string }[];
const evalSet = loadToyEvalSet();
const classifier = await loadShapeClassifier(evalSet.shapes);
const pool = new SessionPool("cpu");
const components = await UnclipComponents.load(values.model, pool);

const count = { render: 0, variation: 0, decoderUpscaled: 0, superResChanged: 0, colour: 0 };
for (let i = 0; i < rows.length; i++) {
  const image = await decodeImage(readFileSync(rows[i].file), rows[i].file);
  const result = await imageVariation(components, { image, seed: 10_000 + i, recordIntermediates: true });
  const upscaled = result.intermediates!.image_upscaled as Float32NdArray; // [1, 3, 64, 64] in [-1, 1]
  const beforeSuperRes = await classifier.ofChw(Float32Array.from(upscaled.data, (v) => Math.min(1, Math.max(0, (v + 1) / 2))));
  const variation = toRgb8(result.images, 0);
  const shape = await classifier.ofImage(variation);
  count.render += Number((await classifier.ofImage(image)) === rows[i].shape);
  count.variation += Number(shape === rows[i].shape);
  count.decoderUpscaled += Number(beforeSuperRes === rows[i].shape);
  count.superResChanged += Number(shape !== beforeSuperRes);
  count.colour += Number(shapeColour(variation, evalSet.colours) === rows[i].colour);
  process.stderr.write(`${String(i + 1).padStart(3)}/${rows.length} ${rows[i].caption} -> ${beforeSuperRes} / ${shape}\n`);
}
await pool.release();
const of = (k: number) => `${k}/${rows.length}`;
console.log(`variations of ${rows.length} clean renders (${path.relative(root, path.resolve(values.model)) || "."}; defaults, seed 10000 + i)`);
console.log(`  classifier finds the shape in the render itself: ${of(count.render)}`);
console.log(`  variation keeps the shape:                        ${of(count.variation)}   (colour ${of(count.colour)})`);
console.log(`  decoder image (upscaled, before super-res) keeps:  ${of(count.decoderUpscaled)}`);
console.log(`  super-res changed the classified shape:           ${of(count.superResChanged)}`);
