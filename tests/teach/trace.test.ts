/**
 * Teaching traces through the real executor and node library on the tiny package: recorded only
 * when asked, per run or per node; the numbers in them are the ones the samplers computed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { chwToRgba, decodeTensor, guide, predictX0 } from "../../app/editor/teach/lib/traceMath";
import type { ImageEmbeddingValue } from "../../nodes/engine/values";
import type { ExecutorServices } from "../../server/graph/executor";
import type { FramesTrace, StageTrace } from "../../nodes/core/traceFormat";
import { PACKAGE, run, steps, template, testExecutor, tinyTextToImage } from "../graph/helpers";
import { describeWithFixtures } from "../helpers/fixtures";

interface NodeTrace {
  format: string;
  nodeId: string;
  ports: Record<
    string,
    {
      kind: string;
      entries: { name: string; shape: number[]; min: number; max: number; mean: number; std: number; histogram: { counts: number[] } }[];
      pictures: { url: string }[];
    }
  >;
  stage?: StageTrace;
  frames?: FramesTrace;
}

function tracingExecutor(): ExecutorServices & { traces: Map<string, NodeTrace> } {
  const traces = new Map<string, NodeTrace>();
  const services = testExecutor();
  services.saveTrace = (runId, nodeId, json) => {
    traces.set(`${runId}/${nodeId}`, JSON.parse(json) as NodeTrace);
    return Promise.resolve({ id: `${runId}-${nodeId}`, url: `/trace/${runId}/${nodeId}`, width: 0, height: 0, kind: "trace" });
  };
  return Object.assign(services, { traces });
}

const services = tracingExecutor();
afterAll(() => services.models.unload());

function stage(runId: string, nodeId: string): StageTrace {
  const t = services.traces.get(`${runId}/${nodeId}`)?.stage;
  if (!t) throw new Error(`no stage trace for ${nodeId}`);
  return t;
}

describeWithFixtures("teaching traces", () => {
  it("an ordinary run records nothing", async () => {
    const { report, runId } = await run(services, tinyTextToImage({ seed: { seed: 1 } }));
    expect([...services.traces.keys()].filter((k) => k.startsWith(runId))).toEqual([]);
    expect(Object.values(report.ui).some((ui) => ui?.trace)).toBe(false);
  });

  it("a traced run records every executed node, with summaries of its output ports", async () => {
    const { report, runId } = await run(services, tinyTextToImage({ seed: { seed: 2 }, ...steps(4, 5, 3) }), { trace: true });
    for (const id of report.ran) {
      expect(services.traces.has(`${runId}/${id}`), id).toBe(true);
      expect(report.ui[id]?.trace?.kind).toBe("trace");
    }
    const image = services.traces.get(`${runId}/decoder`)!.ports.image;
    expect(image.kind).toBe("image");
    const pixels = image.entries.find((e) => e.name === "pixels")!;
    expect(pixels.shape.length).toBe(4);
    expect(pixels.min).toBeGreaterThanOrEqual(-1);
    expect(pixels.max).toBeLessThanOrEqual(1);
    expect(pixels.histogram.counts.reduce((a, b) => a + b, 0)).toBe(pixels.shape.reduce((a, b) => a * b, 1));
    expect(image.pictures[0].url).toMatch(/^data:image\/png;base64,/);
  });

  it("decoder: the scheduler's timesteps, and guided = uncond + s·(cond − uncond) exactly, and x0 from it", async () => {
    const { runId } = await run(services, tinyTextToImage({ seed: { seed: 3 }, decoder: { guidanceScale: 6.5 }, ...steps(3, 6, 3) }), { trace: true });
    const t = stage(runId, "decoder");
    // the package's own decoder scheduler, as the Load Scheduler node gives it
    const scheduler = await (await services.models.load(PACKAGE)).scheduler("decoder_scheduler");
    expect(t.timesteps).toEqual(scheduler.timesteps(6));
    expect(t.guidanceScale).toBe(6.5);
    expect(t.steps).toHaveLength(6);
    for (const s of t.steps) {
      const u = decodeTensor(s.uncond!);
      const c = decodeTensor(s.cond!);
      const guided = decodeTensor(s.modelOutput);
      expect(u.length).toBe(guided.length);
      expect(guide(u, c, 6.5)).toEqual(guided);
      // the predicted x0 shown for another scale is computed the scheduler's way: at the run's scale it is the recorded one
      expect(predictX0(decodeTensor(s.sample), guided, s.alphaProdT, t.scheduler)).toEqual(decodeTensor(s.predOriginalSample));
      expect(s.alphaProdT).toBe(scheduler.alphasCumprod[s.timestep]);
    }
    // learned_range: the fraction the model chose, per step but the last
    expect(t.scheduler.varianceType).toBe("learned_range");
    for (const s of t.steps.slice(0, -1)) expect(s.meanVarianceFraction).toEqual(expect.any(Number));
    // the image shown for a step uses the same mapping as the saved one ([-1, 1] → 0–255)
    const last = decodeTensor(t.steps.at(-1)!.predOriginalSample);
    const { rgba } = chwToRgba(last, t.steps.at(-1)!.predOriginalSample.shape);
    expect(rgba[3]).toBe(255);
  });

  it("super-res: which UNet ran at each step (last step: super_res_last)", async () => {
    const { runId } = await run(services, tinyTextToImage({ seed: { seed: 4 }, ...steps(2, 2, 4) }), { trace: true });
    const t = stage(runId, "superRes");
    expect(t.steps.map((s) => s.unet)).toEqual(["super_res_first", "super_res_first", "super_res_first", "super_res_last"]);
    expect(t.guidanceScale).toBeNull();
  });

  it("prior: the predicted embedding's path ends at the node's output, with cosines to the prompt and the result", async () => {
    const { runId, report } = await run(services, tinyTextToImage({ seed: { seed: 5 }, ...steps(5, 2, 2) }), { trace: true, targets: ["prior"] });
    const t = stage(runId, "prior");
    expect(t.embedding).toBeDefined();
    const e = t.embedding!;
    expect(e.cosineToText).toHaveLength(5);
    expect(e.cosineToFinal).toHaveLength(5);
    for (const v of [...e.cosineToText, ...e.cosineToFinal]) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
    // the final embedding is what the node passed on
    const embeds = (report.values!.prior.imageEmbedding as ImageEmbeddingValue).embeds;
    const width = embeds.shape[1];
    expect(decodeTensor(e.final)).toEqual(embeds.data.slice(0, width));
    expect(e.cosineToFinal.at(-1)).toBeCloseTo(1 - 0, 0);
    // the summary the inspector shows for the output port covers the same tensor
    const summary = services.traces.get(`${runId}/prior`)!.ports.imageEmbedding.entries[0];
    expect(summary.shape).toEqual(embeds.shape);
  });

  it("interpolation: one embedding per frame, going from a to b", async () => {
    const wf = template("Prompt interpolation", { package: { package: PACKAGE } });
    const { runId } = await run(services, wf, { trace: true, targets: ["interpolate"] });
    const frames = services.traces.get(`${runId}/interpolate`)!.frames!;
    expect(frames.factors).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(frames.embeddings).toHaveLength(5);
    expect(frames.cosineToA[0]).toBeCloseTo(1, 5);
    expect(frames.cosineToB[4]).toBeCloseTo(1, 5);
    for (let i = 1; i < 5; i++) {
      expect(frames.cosineToA[i]).toBeLessThan(frames.cosineToA[i - 1]);
      expect(frames.cosineToB[i]).toBeGreaterThan(frames.cosineToB[i - 1]);
    }
    expect(decodeTensor(frames.embeddings[0])).toEqual(decodeTensor(frames.a));
  });

  it("a per-node switch traces that node only; a cached node without a trace runs again when traced", async () => {
    const wf = tinyTextToImage({ seed: { seed: 6 } });
    await run(services, wf);
    const decoder = wf.nodes.find((n) => n.id === "decoder")!;
    decoder.trace = true;
    const { report, runId } = await run(services, wf);
    expect(report.ran).toContain("decoder");
    expect(report.cached).toContain("prior");
    expect([...services.traces.keys()].filter((k) => k.startsWith(`${runId}/`))).toEqual([`${runId}/decoder`]);
    // now the cached result carries its trace: the next traced run needs nothing but Save Image (never cached)
    const again = await run(services, wf);
    expect(again.report.ran).toEqual(["save"]);
    expect(again.report.ui.decoder?.trace?.kind).toBe("trace");
  });
});

describe("trace math (no model)", () => {
  it("guide() is diffusers' u + s·(c − u) in float32", () => {
    const u = new Float32Array([0.1, -0.3, 2]);
    const c = new Float32Array([0.2, 0.1, -1]);
    const g = guide(u, c, 4);
    for (let i = 0; i < 3; i++) expect(g[i]).toBe(Math.fround(u[i] + Math.fround(4 * Math.fround(c[i] - u[i]))));
    for (let i = 0; i < 3; i++) expect(guide(u, c, 1)[i]).toBeCloseTo(c[i], 6);
    expect(guide(u, c, 0)).toEqual(u);
  });
});
