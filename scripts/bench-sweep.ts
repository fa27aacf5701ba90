/**
 * `npm run bench:sweep`: what a sweep saves. The "Compare decoder guidance scales" template (decoder
 * guidance 1, 4, 8 × seeds 1, 2) on the default model (toy-shapes, 25/25/7 steps): one sweep
 * against six separate runs of its cells, each separate run either with the cache cleared first
 * (six `unclip run`s, or a server restarted in between) or sharing the cache (six Runs in the
 * editor, one after the other). Prints the median wall time of each and the node executions:
 * the cache's saving is counted, not estimated. Images are encoded but not written.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { cellWorkflow, sweepCells } from "../nodes/core/sweep";
import { COMPARE_GUIDANCE_TEMPLATE } from "../nodes/core/sweepTemplates";
import { templateByName } from "../nodes/core/templates";
import { parseWorkflow } from "../nodes/core/workflow";
import { createExecutorServices } from "../server/executorServices";
import { executeWorkflow } from "../server/graph/executor";
import { executeRun } from "../server/graph/sweep";

const { values } = parseArgs({ options: { models: { type: "string" }, runs: { type: "string", default: "3" }, json: { type: "boolean" } } });
const modelsDir = path.resolve(values.models ?? path.join(import.meta.dirname, "../models"));
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const services = createExecutorServices({
  modelsDir,
  cacheBytes: 1024 ** 3,
  readUpload: () => Promise.resolve(new Uint8Array()),
  saveImage: (_run, nodeId, _png, info) => Promise.resolve({ id: nodeId, url: "", width: info.width, height: info.height, kind: info.kind }),
});
const wf = parseWorkflow(JSON.parse(JSON.stringify(templateByName(COMPARE_GUIDANCE_TEMPLATE))));
const cells = sweepCells(wf.sweep!).map((c) => cellWorkflow(wf, c));

async function sweep() {
  services.cache.clear();
  const t0 = performance.now();
  const report = await executeRun(services, wf, { runId: "bench-sweep" });
  return { ms: performance.now() - t0, executions: report.sweep!.executions };
}

async function separate(shareCache: boolean) {
  services.cache.clear();
  let executions = 0;
  const t0 = performance.now();
  for (const [i, cell] of cells.entries()) {
    if (!shareCache) services.cache.clear();
    executions += (await executeWorkflow(services, cell, { runId: `bench-cell-${i}` })).ran.length;
  }
  return { ms: performance.now() - t0, executions };
}

await sweep(); // warm-up: sessions, allocator growth
const results = {
  sweep: [] as { ms: number; executions: number }[],
  cold: [] as { ms: number; executions: number }[],
  warm: [] as { ms: number; executions: number }[],
};
for (let i = 0; i < runs; i++) {
  results.sweep.push(await sweep());
  results.cold.push(await separate(false));
  results.warm.push(await separate(true));
  if (!values.json) {
    const f = (r: { ms: number; executions: number }) => `${r.ms.toFixed(0)} ms (${r.executions} node executions)`;
    console.log(`round ${i + 1}: sweep ${f(results.sweep[i])}, 6 separate runs cache cleared ${f(results.cold[i])}, sharing the cache ${f(results.warm[i])}`);
  }
}
const summary = {
  model: path.join(path.relative(process.cwd(), modelsDir), "toy-shapes"),
  cells: cells.length,
  nodesPerRun: results.cold[0].executions / cells.length,
  sweepMs: median(results.sweep.map((r) => r.ms)),
  separateUncachedMs: median(results.cold.map((r) => r.ms)),
  separateSharedCacheMs: median(results.warm.map((r) => r.ms)),
  sweepExecutions: results.sweep[0].executions,
  separateUncachedExecutions: results.cold[0].executions,
  separateSharedCacheExecutions: results.warm[0].executions,
};
console.log(values.json ? JSON.stringify(summary) : summary);
await services.models.unload();
