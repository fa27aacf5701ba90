/**
 * `npx tsx scripts/int8-copy.ts [--model DIR] [--python /usr/bin/python3]`: the int8 copy of a model
 * package as the exporter's `--int8` makes it (prompt calibration with the app's tokenizer; see
 * lib/int8Bench.ts), built into `.cache/int8/` unless already there; prints its folder last. It calibrates
 * on the exporter's photo captions; for the toy model, `npm run evaluate:toy:int8` builds (and evaluates)
 * the copy calibrated on captions of its own world.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { int8CopyOf, pythonProblem, REPO } from "./lib/int8Bench";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: path.join(REPO, "models/toy-shapes") },
    python: { type: "string", default: "/usr/bin/python3" },
  },
});
const model = path.resolve(values.model);
if (!existsSync(path.join(model, "model_index.json"))) {
  console.error(`int8-copy: ${model} is not a model package (no model_index.json)`);
  process.exit(2);
}
const problem = pythonProblem(values.python);
if (problem) {
  console.error(`int8-copy: ${problem}`);
  process.exit(2);
}
console.log(await int8CopyOf(values.python, model, (line) => console.error(line)));
