/**
 * `npm run bench:trace`: what teaching traces cost. Runs the Text to image template through the
 * executor (cache cleared before every run, so every node executes), alternating untraced and
 * traced runs, and prints the median wall time of each, the overhead, the size of the traces
 * and the peak memory. Default package: unclip-small (the shared benchmark package), 25/25/7 steps.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { templateByName } from "../nodes/core/templates";
import { createExecutorServices } from "../server/executorServices";
import { executeWorkflow } from "../server/graph/executor";
import { parseWorkflow } from "../nodes/core/workflow";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    runs: { type: "string", default: "3" },
    json: { type: "boolean" },
  },
});
const model = path.resolve(values.model ?? path.join(import.meta.dirname, "../../shared/fixtures/unclip-small"));
if (!existsSync(model)) {
  console.error(`bench:trace: model package ${model} not found (pass --model DIR)`);
  process.exit(2);
}
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let traceBytes = 0;
const traceBytesByNode: Record<string, number> = {};
const services = createExecutorServices({
  modelsDir: path.dirname(model),
  cacheBytes: 2 * 1024 ** 3,
  readUpload: () => Promise.resolve(new Uint8Array()),
  saveImage: (_run, nodeId, _png, info) => Promise.resolve({ id: nodeId, url: "", width: info.width, height: info.height, kind: info.kind }),
  saveTrace: (_run, nodeId, json) => {
    const bytes = Buffer.byteLength(json);
    traceBytes += bytes;
    traceBytesByNode[nodeId] = bytes;
    return Promise.resolve({ id: nodeId, url: "", width: 0, height: 0, kind: "trace" });
  },
});

const wf = parseWorkflow(JSON.parse(JSON.stringify(templateByName("Text to image"))));
for (const n of wf.nodes) if (n.params.package !== undefined) n.params.package = path.basename(model);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);

async function once(trace: boolean): Promise<{ ms: number; peakRss: number; bytes: number }> {
  services.cache.clear();
  global.gc?.();
  peakRss = process.memoryUsage().rss;
  traceBytes = 0;
  const t0 = performance.now();
  await executeWorkflow(services, wf, { runId: `bench-${trace ? "traced" : "plain"}`, trace });
  return { ms: performance.now() - t0, peakRss, bytes: traceBytes };
}

await once(false); // warm-up: sessions, allocator growth
const plain: { ms: number; peakRss: number }[] = [];
const traced: { ms: number; peakRss: number; bytes: number }[] = [];
for (let i = 0; i < runs; i++) {
  plain.push(await once(false));
  traced.push(await once(true));
  if (!values.json)
    console.log(
      `run ${i + 1}: untraced ${plain[i].ms.toFixed(0)} ms, traced ${traced[i].ms.toFixed(0)} ms, traces ${(traced[i].bytes / 1024 ** 2).toFixed(2)} MB`,
    );
}
clearInterval(sampler);
const mb = (b: number) => Math.round(b / 1024 ** 2);
const result = {
  model: path.basename(model),
  runs,
  untracedMs: Math.round(median(plain.map((r) => r.ms))),
  tracedMs: Math.round(median(traced.map((r) => r.ms))),
  overheadPct: Number(((median(traced.map((r) => r.ms)) / median(plain.map((r) => r.ms)) - 1) * 100).toFixed(1)),
  traceMB: Number((median(traced.map((r) => r.bytes)) / 1024 ** 2).toFixed(2)),
  traceKBByNode: Object.fromEntries(Object.entries(traceBytesByNode).map(([k, v]) => [k, Math.round(v / 1024)])),
  peakRssUntracedMB: mb(Math.max(...plain.map((r) => r.peakRss))),
  peakRssTracedMB: mb(Math.max(...traced.map((r) => r.peakRss))),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`\n${result.model}, ${runs} runs each, every node executed (cache cleared):`);
  console.log(`  untraced ${result.untracedMs} ms · traced ${result.tracedMs} ms · overhead ${result.overheadPct} %`);
  console.log(
    `  traces ${result.traceMB} MB per run: ${Object.entries(result.traceKBByNode)
      .filter(([, v]) => v > 4)
      .map(([k, v]) => `${k} ${v} KB`)
      .join(", ")}`,
  );
  console.log(`  peak RSS: untraced ${result.peakRssUntracedMB} MB, traced ${result.peakRssTracedMB} MB`);
}
await services.models.unload();
