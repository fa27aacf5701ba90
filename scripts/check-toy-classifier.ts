/**
 * How well does the evaluation's shape classifier name shapes? Classifies the pictures listed in an index.json
 * written by training/render_pictures.py (clean renders, or imperfect copies with --degraded) and prints its
 * accuracy per shape and the confusions. Run on held-out triples, so that it measures what the evaluation needs.
 *
 *   /usr/bin/python3 training/render_pictures.py --out /tmp/renders --n 600 [--degraded]
 *   npx tsx scripts/check-toy-classifier.ts --pictures /tmp/renders [--classifier FILE]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { decodeImage } from "../server/unclip/imageProcessor";
import { loadShapeClassifier, loadToyEvalSet } from "./lib/toyMeasures";

const { values } = parseArgs({ options: { pictures: { type: "string" }, classifier: { type: "string" } } });
if (!values.pictures) throw new Error("--pictures: give the folder written by training/render_pictures.py");
const rows = JSON.parse(readFileSync(path.join(values.pictures, "index.json"), "utf8")) as { file: string; shape: string }[];
const { shapes } = loadToyEvalSet();
const classifier = await loadShapeClassifier(shapes, values.classifier);

const right = new Map<string, number>();
const total = new Map<string, number>();
const confusions = new Map<string, number>();
for (const row of rows) {
  const got = await classifier.ofImage(await decodeImage(readFileSync(row.file), row.file));
  total.set(row.shape, (total.get(row.shape) ?? 0) + 1);
  if (got === row.shape) right.set(row.shape, (right.get(row.shape) ?? 0) + 1);
  else confusions.set(`${row.shape} -> ${got}`, (confusions.get(`${row.shape} -> ${got}`) ?? 0) + 1);
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`shape classifier on ${rows.length} pictures from ${values.pictures}: ${((100 * sum(right)) / rows.length).toFixed(1)} % right`);
for (const s of shapes) if (total.get(s)) console.log(`  ${s.padEnd(9)} ${right.get(s) ?? 0}/${total.get(s)}`);
const worst = [...confusions].sort((a, b) => b[1] - a[1]).slice(0, 8);
if (worst.length) console.log(`  confusions: ${worst.map(([k, n]) => `${k} ${n}`).join(", ")}`);
