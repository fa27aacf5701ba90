/**
 * `npx tsx scripts/draw-examples.ts [--model DIR]`: redraw the example pictures of public/examples
 * (nodes/core/examples.ts lists each file with its prompt and seed) with the default model, after it is
 * retrained, so the examples stay what that model draws. Pipeline defaults otherwise.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { EXAMPLE_IMAGES } from "../nodes/core/examples";
import { SessionPool } from "../server/runtime/sessionPool";
import { UnclipComponents } from "../server/unclip/components";
import { encodePng } from "../server/unclip/imageOutput";
import { text2image } from "../server/unclip/pipelineText2Image";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { model: { type: "string", default: path.join(root, "models/toy-shapes") } } });
const pool = new SessionPool("cpu");
const components = await UnclipComponents.load(values.model, pool);
for (const example of EXAMPLE_IMAGES) {
  const result = await text2image(components, { prompt: example.prompt, seed: example.seed });
  writeFileSync(path.join(root, "public/examples", example.file), await encodePng(result.images, 0));
  console.log(`public/examples/${example.file}: "${example.prompt}", seed ${example.seed}`);
}
await pool.release();
