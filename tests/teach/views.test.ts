/** The numbers the schedule and explain views show, and the editor keeping a node's trace switch. */
import { describe, expect, it } from "vitest";
import { fillExplain, formatNumber } from "../../app/editor/teach/lib/explain";
import type { NodeTrace } from "../../app/editor/teach/lib/nodeTrace";
import { graphToWorkflow, workflowToGraph } from "../../app/editor/lib/convert";
import { indexCatalog } from "../../app/editor/lib/types";
import { catalog } from "../../nodes/registry";
import { decoderNode } from "../../nodes/decoder/node";
import type { SchedulerValue } from "../../nodes/engine/values";
import { templateByName } from "../../nodes/core/templates";
import { describeSchedule } from "../../server/unclip/scheduleInfo";
import { UnCLIPScheduler } from "../../server/unclip/scheduler";
import { run, testExecutor, tinyTextToImage } from "../graph/helpers";
import { describeWithFixtures } from "../helpers/fixtures";

const KARLO_DECODER = new UnCLIPScheduler({
  num_train_timesteps: 1000,
  beta_schedule: "squaredcos_cap_v2",
  variance_type: "learned_range",
  clip_sample: true,
  clip_sample_range: 1,
  prediction_type: "epsilon",
});

describe("schedule view numbers", () => {
  it("are the scheduler's: timesteps, ᾱ, β and each skipping step's coefficients", () => {
    const s = describeSchedule(KARLO_DECODER, 25);
    expect(s.timesteps).toEqual(KARLO_DECODER.timesteps(25));
    expect(s.alphasCumprod).toEqual(Array.from(KARLO_DECODER.alphasCumprod));
    expect(s.betas).toEqual(Array.from(KARLO_DECODER.betas));
    s.steps.forEach((step, i) => {
      const k = KARLO_DECODER.stepCoefficients(step.timestep, i + 1 < s.timesteps.length ? s.timesteps[i + 1] : null);
      expect(step.alphaProdT).toBe(k.alphaProdT);
      expect(step.beta).toBe(k.beta);
      expect(step.variance).toBe(k.variance);
    });
    expect(s.steps.at(-1)!.sigma).toBe(0);
    // skipping timesteps makes a step's β larger than the single-timestep β at the same t
    expect(s.steps[1].beta).toBeGreaterThan(s.betas[s.steps[1].timestep]);
    expect(s.sigmas[500]).toBeCloseTo(Math.sqrt(KARLO_DECODER.stepCoefficients(500, 499).variance), 12);
  });

  it("follow the step count", () => {
    // numpy rounds halves to even: 166.5 → 166, 499.5 → 500, 832.5 → 832
    expect(describeSchedule(KARLO_DECODER, 7).timesteps).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(() => describeSchedule(KARLO_DECODER, 1)).toThrow(/at least 2/);
  });
});

describeWithFixtures("schedule of a Scheduler node in a workflow", () => {
  it("evaluates only that node and what feeds it, with its current settings", async () => {
    const services = testExecutor();
    const wf = tinyTextToImage({ decoderScheduler: { numInferenceSteps: 9, varianceType: "fixed_small_log" } });
    const { report } = await run(services, wf, { targets: ["decoderScheduler"] });
    expect([...report.ran].sort()).toEqual(["decoderScheduler", "package"]);
    const value = report.values!.decoderScheduler.scheduler as SchedulerValue;
    const s = describeSchedule(value.scheduler, value.numInferenceSteps);
    expect(s.timesteps).toHaveLength(9);
    expect(s.varianceType).toBe("fixed_small_log");
    await services.models.unload();
  });
});

describe("explain view", () => {
  const trace = {
    format: "unclip-studio/node-trace",
    version: 1,
    runId: "r1",
    nodeId: "decoder",
    ms: 1234.5,
    ports: {
      image: {
        kind: "image",
        pictures: [],
        entries: [
          { name: "pixels", shape: [1, 3, 64, 64], dtype: "float32", count: 12288, nonFinite: 0, min: -1, max: 1, mean: 0.0123456, std: 0.5, histogram: null },
        ],
      },
    },
    stage: { guidanceScale: 8, timesteps: [999, 500, 0], steps: [{}, {}, {}] },
  } as unknown as NodeTrace;

  it("fills the formula with this node's parameters and the run's numbers", () => {
    const f = fillExplain(decoderNode.explain.formula, { guidanceScale: 6.5 }, trace);
    expect(f.text).toContain("s = 6.5");
    expect(f.missing).toEqual([]);
    const t = fillExplain(decoderNode.explain.text, { guidanceScale: 6.5 }, trace);
    expect(t.text).toContain("took 3 steps from t = 999 to t = 0");
    expect(t.text).toContain("used scale 8");
    expect(t.text).toContain("[1, 3, 64, 64]");
    expect(t.missing).toEqual([]);
  });

  it("marks what only a traced run can tell", () => {
    const t = fillExplain(decoderNode.explain.text, { guidanceScale: 8 }, null);
    expect(t.text).toContain("took … steps");
    expect(t.missing).toContain("trace.steps");
    expect(fillExplain("{ports.nothing.mean}", {}, trace).missing).toEqual(["ports.nothing.mean"]);
  });

  it("formats numbers briefly", () => {
    expect(formatNumber(0.0123456)).toBe("0.01235");
    expect(formatNumber(25)).toBe("25");
    expect(formatNumber(1e-5)).toBe("1.00e-5");
  });
});

describe("trace switch in the editor", () => {
  it("survives the round trip workflow → canvas → workflow", () => {
    const t = templateByName("Teaching: watch unCLIP draw")!;
    const back = graphToWorkflow(workflowToGraph(t, indexCatalog(catalog())), { name: t.name, meta: t.meta });
    expect(back.nodes.map((n) => [n.id, Boolean(n.trace)])).toEqual(t.nodes.map((n) => [n.id, Boolean(n.trace)]));
  });
});

describe("half precision for the largest trace pictures", () => {
  it("round-trips float16-representable values exactly and rounds others to nearest even", async () => {
    const { fromHalfBits, toHalfBits } = await import("../../nodes/core/half");
    for (const v of [0, -0, 1, -2, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 0.333251953125]) expect(fromHalfBits(toHalfBits(v))).toBe(v);
    expect(fromHalfBits(toHalfBits(1 + 2 ** -11))).toBe(1); // a tie rounds to even
    expect(fromHalfBits(toHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalfBits(toHalfBits(1e6))).toBe(Infinity);
    expect(fromHalfBits(toHalfBits(2 ** -26))).toBe(0);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    for (let i = 0; i < 1000; i++) {
      const v = (Math.random() - 0.5) * 8;
      expect(Math.abs(fromHalfBits(toHalfBits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
  });

  it("is used only above the size limit, and both decoders agree", async () => {
    const { encodeTraceTensor, decodeTraceTensor } = await import("../../server/unclip/stageTrace");
    const { HALF_PRECISION_ABOVE } = await import("../../nodes/core/traceFormat");
    const { decodeTensor } = await import("../../app/editor/teach/lib/traceMath");
    const small = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    expect(encodeTraceTensor([12], small).dtype).toBe("float32");
    expect(decodeTensor(encodeTraceTensor([12], small))).toEqual(small);
    const big = Float32Array.from({ length: HALF_PRECISION_ABOVE + 3 }, (_, i) => Math.cos(i));
    const enc = encodeTraceTensor([big.length], big);
    expect(enc.dtype).toBe("float16");
    expect(decodeTensor(enc)).toEqual(decodeTraceTensor(enc));
    expect(Math.max(...decodeTensor(enc).map((v, i) => Math.abs(v - big[i])))).toBeLessThan(1e-3);
  });
});
