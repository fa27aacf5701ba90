/**
 * `npm run profile:graph -- GRAPH.onnx[@LEVEL] [GRAPH2.onnx …] [--batch 2] [--runs 3] [--nodes N]`: where one call of a
 * graph spends its time, per operator type (issue #22: which float32 work is left in an int8 UNet).
 *
 * Each graph gets a session with the app's own session options (UNCLIP_ORT_* variables) plus
 * onnxruntime's profiler, one warm-up call, then `--runs` timed calls (interleaved across the graphs) on deterministic N(0, 1) inputs
 * (int64 inputs: timestep 500; bool: all true; dynamic dims: `--batch`, else 1). Printed: the median
 * wall time of a call, and per operator type the kernel time of one call (the profile's total ÷ runs)
 * and its node count, largest first. The profile JSON is written to a temp dir and removed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { defaultTuning, toSessionOptions } from "../server/runtime/sessionOptions";
import { median, normals, rng } from "./lib/int8Bench";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: "string", default: "2" },
    runs: { type: "string", default: "3" },
    top: { type: "string", default: "14" },
    nodes: { type: "string", default: "0" },
    json: { type: "boolean" },
  },
});
if (!positionals.length) {
  console.error("profile-graph: pass one or more .onnx graphs");
  process.exit(2);
}
const batch = Number(values.batch);
const runs = Number(values.runs);

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Feeds from the session's own input metadata (onnxruntime-node ≥ 1.21 exposes shapes and types). */
function feedsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const rand = rng(11);
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`profile-graph: input ${meta.name} is not a tensor`);
    const dims = meta.shape.map((d) => (typeof d === "number" && d > 0 ? d : batch));
    const n = dims.reduce((a, b) => a * b, 1);
    if (meta.type === "float32") feeds[meta.name] = new ort.Tensor("float32", normals(n, rand), dims);
    else if (meta.type === "int64")
      feeds[meta.name] = new ort.Tensor(
        "int64",
        BigInt64Array.from({ length: n }, () => 500n),
        dims,
      );
    else if (meta.type === "bool")
      feeds[meta.name] = new ort.Tensor(
        "bool",
        Uint8Array.from({ length: n }, () => 1),
        dims,
      );
    else throw new Error(`profile-graph: input ${meta.name} has type ${meta.type}, which this script does not feed`);
  }
  return feeds;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "profile-graph-"));
const results: Record<string, { call_ms: number[]; ops: Record<string, { ms: number; nodes: number }> }> = {};
try {
  // every session first, then the timed calls interleaved (graph 1, graph 2, …, graph 1, …): on a
  // shared machine, load from other work then falls on every graph alike
  const sessions: { graph: string; session: ort.InferenceSession; feeds: Record<string, ort.Tensor>; calls: number[] }[] = [];
  for (const [g, arg] of positionals.entries()) {
    // GRAPH@LEVEL: this graph at another graph optimisation level (disabled | basic | extended | all)
    const [graph, level] = arg.split("@") as [string, ort.InferenceSession.SessionOptions["graphOptimizationLevel"] | undefined];
    const options = {
      ...toSessionOptions(defaultTuning(), ["cpu"]),
      ...(level ? { graphOptimizationLevel: level } : {}),
      enableProfiling: true,
      profileFilePrefix: path.join(tmp, `p${g}`),
    };
    const session = await ort.InferenceSession.create(graph, options);
    const feeds = feedsFor(session);
    await session.run(feeds); // warm-up (allocator growth); left out of the profile's figures below
    sessions.push({ graph: arg, session, feeds, calls: [] });
  }
  for (let i = 0; i < runs; i++) {
    for (const s of sessions) {
      const t = performance.now();
      await s.session.run(s.feeds);
      s.calls.push(performance.now() - t);
    }
  }
  for (const [g, { graph, session, calls }] of sessions.entries()) {
    session.endProfiling(); // onnxruntime-node writes PREFIX_<date>.json and returns nothing
    await session.release();
    const file = readdirSync(tmp)
      .filter((f) => f.startsWith(`p${g}_`))
      .map((f) => path.join(tmp, f))[0];
    if (!file) throw new Error(`profile-graph: onnxruntime wrote no profile for ${graph}`);
    const events = JSON.parse(readFileSync(file, "utf8")) as (ProfileEvent & { ts: number })[];
    // kernel events of the timed runs only: the last `runs` model_run events bound them
    const modelRuns = events.filter((e) => e.cat === "Session" && e.name === "model_run");
    const warmFrom = modelRuns.length > runs ? modelRuns[modelRuns.length - runs].ts : 0;
    const perOp: Record<string, { us: number; nodes: Set<string> }> = {};
    const perNode: Record<string, number> = {};
    for (const e of events) {
      if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || e.ts < warmFrom) continue;
      const op = e.args?.op_name ?? "?";
      perNode[`${op} ${e.name.slice(0, -"_kernel_time".length)}`] = (perNode[`${op} ${e.name.slice(0, -"_kernel_time".length)}`] ?? 0) + e.dur;
      perOp[op] ??= { us: 0, nodes: new Set() };
      perOp[op].us += e.dur;
      perOp[op].nodes.add(e.name);
    }
    const ops = Object.fromEntries(
      Object.entries(perOp)
        .sort((a, b) => b[1].us - a[1].us)
        .map(([op, v]) => [op, { ms: Number((v.us / runs / 1000).toFixed(2)), nodes: v.nodes.size }]),
    );
    results[graph] = { call_ms: calls.map((c) => Number(c.toFixed(1))), ops };
    if (!values.json) {
      const kernel = Object.values(ops).reduce((a, o) => a + o.ms, 0);
      console.log(
        `\n${graph}: call ${median(calls).toFixed(1)} ms (median of ${runs}: ${calls.map((c) => c.toFixed(0)).join(", ")}), kernels ${kernel.toFixed(1)} ms`,
      );
      for (const [op, o] of Object.entries(ops).slice(0, Number(values.top)))
        console.log(`  ${op.padEnd(24)} ${o.ms.toFixed(1).padStart(7)} ms  ${String(o.nodes).padStart(4)} nodes`);
      // `--nodes N`: the N slowest single nodes (which Add, which Transpose)
      for (const [node, us] of Object.entries(perNode)
        .sort((a, b) => b[1] - a[1])
        .slice(0, Number(values.nodes)))
        console.log(`    ${(us / runs / 1000).toFixed(2).padStart(7)} ms  ${node}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (values.json) console.log(JSON.stringify(results));
