/**
 * Partial schedules ("branch from step k") and super-res first/last as two components: a sampler
 * stopped at step k and continued by another from k gives exactly the bits of the uninterrupted
 * run, for the prior, the decoder and super-res (also across the first/last UNet boundary); a
 * continuation that does not fit is refused naming the node's port or parameter.
 */
import { afterAll, describe, expect, it } from "vitest";
import { checkWorkflow } from "../../nodes/core/graphRules";
import { templateByName } from "../../nodes/core/templates";
import type { Workflow } from "../../nodes/core/workflow";
import type { NodeResult } from "../../nodes/engine/runContext";
import { summarizeValue } from "../../nodes/engine/inspectValue";
import { getDeclaration } from "../../nodes/registry";
import type { ImageEmbeddingValue, ImageValue, NoisyLatentsValue } from "../../nodes/engine/values";
import { InputError } from "../../server/errors";
import { NoiseStream } from "../../server/unclip/noise";
import { stepRange } from "../../server/unclip/partialSchedule";
import { samplePrior } from "../../server/unclip/priorStage";
import { encodePrompt } from "../../server/unclip/encodePrompt";
import { float32 } from "../../server/unclip/tensor";
import { describeWithFixtures } from "../helpers/fixtures";
import { NodeHarness } from "./harness";

const harness = new NodeHarness();
afterAll(() => harness.release());

const PRIOR_STEPS = 5;
const DECODER_STEPS = 4;
const SUPER_RES_STEPS = 4;

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && bits(a).equals(bits(b));

/** Text to image on the tiny package with few steps. */
function base(): Workflow {
  const t = structuredClone(templateByName("Text to image")!);
  const set = (id: string, params: Record<string, unknown>) => Object.assign(t.nodes.find((n) => n.id === id)!.params, params);
  set("package", { package: "unclip-tiny" });
  set("seed", { seed: 77 });
  set("tokenizer", { prompt: "a red circle" });
  set("priorScheduler", { numInferenceSteps: PRIOR_STEPS });
  set("decoderScheduler", { numInferenceSteps: DECODER_STEPS });
  set("superResScheduler", { numInferenceSteps: SUPER_RES_STEPS });
  return t;
}

/**
 * Split sampler `id` at step k: it stops at k, a copy ("<id>B") continues from its noisy latents
 * with the same inputs and takes over its consumers. `dropInputs` removes wires into [A, B].
 */
function split(wf: Workflow, id: string, k: number, dropInputs: [string[], string[]] = [[], []]): Workflow {
  const out = structuredClone(wf);
  const a = out.nodes.find((n) => n.id === id)!;
  const b = { ...structuredClone(a), id: `${id}B`, position: { x: a.position.x, y: a.position.y + 2000 } };
  a.params.endStep = k;
  b.params.startStep = k;
  out.nodes.push(b);
  const incoming = out.links.filter((l) => l.to.node === id);
  for (const l of out.links) if (l.from.node === id) l.from.node = b.id;
  incoming.forEach((l, n) => out.links.push({ id: `split${id}${n}`, from: { ...l.from }, to: { node: b.id, port: l.to.port } }));
  out.links.push({ id: `split${id}Latents`, from: { node: id, port: "noisyLatents" }, to: { node: b.id, port: "noisyLatents" } });
  out.links = out.links.filter((l) => !(l.to.node === id && dropInputs[0].includes(l.to.port)) && !(l.to.node === b.id && dropInputs[1].includes(l.to.port)));
  return out;
}

const finalImage = (r: Map<string, NodeResult>, id: string) => (r.get(id)!.outputs.image as ImageValue).pixels.data;

describeWithFixtures("partial schedules: 0 → k → T equals 0 → T bit for bit", () => {
  let whole: Map<string, NodeResult>;
  const wholeRun = async () => (whole ??= await harness.runWorkflow(base()));

  for (const k of [1, 3]) {
    it(`prior split at step ${k} of ${PRIOR_STEPS}`, async () => {
      const ref = await wholeRun();
      const r = await harness.runWorkflow(split(base(), "prior", k));
      const stopped = r.get("prior")!.outputs.noisyLatents as NoisyLatentsValue;
      expect(stopped).toMatchObject({ kind: "noisy_latents", stage: "prior", step: k, steps: PRIOR_STEPS, seed: 77 });
      expect(stopped.timestep).toBeGreaterThan(0);
      expect(r.get("prior")!.ui?.text).toContain(`steps 0–${k} of ${PRIOR_STEPS}`);
      // the tensor inspector sees the latents inside the value
      const summary = summarizeValue(stopped);
      expect(summary.kind).toBe("noisy_latents");
      expect(summary.entries.map((e) => e.name)).toEqual(["latents"]);
      const embA = (ref.get("prior")!.outputs.imageEmbedding as ImageEmbeddingValue).embeds.data;
      const embB = (r.get("priorB")!.outputs.imageEmbedding as ImageEmbeddingValue).embeds.data;
      expect(sameBits(embA, embB)).toBe(true);
      expect(sameBits(finalImage(r, "superRes"), finalImage(ref, "superRes"))).toBe(true);
      // the stopped prior's own embedding is the partly denoised one, not the final
      expect(sameBits((r.get("prior")!.outputs.imageEmbedding as ImageEmbeddingValue).embeds.data, embA)).toBe(false);
    });
  }

  for (const k of [1, DECODER_STEPS - 1]) {
    it(`decoder split at step ${k} of ${DECODER_STEPS} (learned variance, classifier-free guidance)`, async () => {
      const ref = await wholeRun();
      const r = await harness.runWorkflow(split(base(), "decoder", k));
      expect(sameBits(finalImage(r, "decoderB"), finalImage(ref, "decoder"))).toBe(true);
      expect(sameBits(finalImage(r, "superRes"), finalImage(ref, "superRes"))).toBe(true);
      expect(sameBits(finalImage(r, "decoder"), finalImage(ref, "decoder"))).toBe(false);
    });
  }

  it(`super-res split at step 1 of ${SUPER_RES_STEPS}: the first part needs only super_res_first`, async () => {
    const ref = await wholeRun();
    const r = await harness.runWorkflow(split(base(), "superRes", 1, [["superResLast"], []]));
    expect(sameBits(finalImage(r, "superResB"), finalImage(ref, "superRes"))).toBe(true);
  });

  it(`super-res split at step ${SUPER_RES_STEPS - 1} of ${SUPER_RES_STEPS}: super_res_first in one node, super_res_last in the other`, async () => {
    const ref = await wholeRun();
    const r = await harness.runWorkflow(split(base(), "superRes", SUPER_RES_STEPS - 1, [["superResLast"], ["superResFirst"]]));
    expect(sameBits(finalImage(r, "superResB"), finalImage(ref, "superRes"))).toBe(true);
    const last = r.get("superResB")!.outputs.noisyLatents as NoisyLatentsValue;
    expect(last).toMatchObject({ step: SUPER_RES_STEPS, steps: SUPER_RES_STEPS, timestep: null });
  });

  it("every sampler split at once, each at a different step, still gives the same pixels", async () => {
    const ref = await wholeRun();
    const wf = split(split(split(base(), "prior", 2), "decoder", 2), "superRes", 2);
    const r = await harness.runWorkflow(wf);
    expect(sameBits(finalImage(r, "superResB"), finalImage(ref, "superRes"))).toBe(true);
  });

  it("an older workflow wiring both super-res UNets on the single pair wire gives the same pixels", async () => {
    const ref = await wholeRun();
    const old = base();
    old.links = old.links.filter((l) => !(l.to.node === "superRes" && (l.to.port === "superResFirst" || l.to.port === "superResLast")));
    old.links.push({ id: "pair", from: { node: "package", port: "superRes" }, to: { node: "superRes", port: "superRes" } });
    const r = await harness.runWorkflow(old);
    expect(sameBits(finalImage(r, "superRes"), finalImage(ref, "superRes"))).toBe(true);
  });

  it("the template wires super_res_first and super_res_last as two components", () => {
    const t = templateByName("Text to image")!;
    const into = t.links.filter((l) => l.to.node === "superRes" && l.from.node === "package").map((l) => `${l.from.port}→${l.to.port}`);
    expect(into.sort()).toEqual(["superResFirst→superResFirst", "superResLast→superResLast"]);
  });

  describe("refusals name the node's port or parameter", () => {
    const fails = async (wf: Workflow) => {
      const err = await harness.runWorkflow(wf).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    };

    it("a continuation on another step count", async () => {
      const wf = split(base(), "decoder", 2);
      // the continuing decoder gets its own scheduler with one step more
      wf.nodes.push({ ...structuredClone(wf.nodes.find((n) => n.id === "decoderScheduler")!), id: "otherScheduler", params: { numInferenceSteps: 5 } });
      wf.links.push({ id: "os", from: { node: "package", port: "decoderScheduler" }, to: { node: "otherScheduler", port: "scheduler" } });
      wf.links.find((l) => l.to.node === "decoderB" && l.to.port === "scheduler")!.from.node = "otherScheduler";
      const err = await fails(wf);
      expect(err.where.port).toBe("noisyLatents");
      expect(err.message).toMatch(/another schedule \(4 steps, this scheduler has 5\)/);
    });

    it("a start step that is not where the latents stopped", async () => {
      const wf = split(base(), "decoder", 2);
      wf.nodes.find((n) => n.id === "decoderB")!.params.startStep = 1;
      const err = await fails(wf);
      expect(err.where.parameter).toBe("startStep");
      expect(err.message).toMatch(/stopped at step 2 of 4: set startStep to 2/);
    });

    it("latents of another stage", async () => {
      const wf = split(base(), "decoder", 2);
      wf.links.find((l) => l.to.node === "decoderB" && l.to.port === "noisyLatents")!.from = { node: "superRes", port: "noisyLatents" };
      // superRes now comes after decoderB's consumer chain; give it the A decoder's image to stay acyclic
      wf.links.find((l) => l.to.node === "superRes" && l.to.port === "image")!.from.node = "decoder";
      const err = await fails(wf);
      expect(err.message).toMatch(/come from a super-res sampler; a decoder sampler cannot continue them/);
    });

    it("a start step without latents, an empty range, an end past the schedule", async () => {
      const set = (params: Record<string, unknown>) => {
        const wf = base();
        Object.assign(wf.nodes.find((n) => n.id === "decoder")!.params, params);
        return wf;
      };
      expect((await fails(set({ startStep: 2 }))).message).toMatch(/startStep is 2: the latents at that step are needed \(noisyLatents\)/);
      expect((await fails(set({ startStep: 3, endStep: 3 }))).message).toMatch(/startStep \(3\) must be below endStep \(3\)/);
      expect((await fails(set({ endStep: 9 }))).where.parameter).toBe("endStep");
    });

    it("a super-res step whose UNet is not connected", async () => {
      const wf = base();
      wf.links = wf.links.filter((l) => !(l.to.node === "superRes" && l.to.port === "superResLast"));
      const err = await fails(wf);
      expect(err.where.port).toBe("superResLast");
      expect(err.message).toMatch(/the last step \(4\) of 4 run super_res_last/);
    });
  });
});

describeWithFixtures("partial schedules in the stage functions", () => {
  it("recorded step noise: the prior's 0 → k → T equals 0 → T, for every k", async () => {
    const c = await harness.loadPackage("unclip-tiny");
    const text = await encodePrompt(c, { prompts: ["a blue square"], numImagesPerPrompt: 2, cfg: true });
    const dim = c.pkg.configs.prior!.embedding_dim;
    const steps = 6;
    const shape = [text.batch, dim];
    const stepNoise = float32([steps - 1, ...shape], new NoiseStream(5, "recorded").randn((steps - 1) * text.batch * dim));
    const latents = float32(shape, new NoiseStream(5, "start").randn(text.batch * dim));
    const o = { numInferenceSteps: steps, guidanceScale: 4, seed: 0, latents, stepNoise };
    const full = await samplePrior(c, text, o);
    for (let k = 1; k < steps; k++) {
      const head = await samplePrior(c, text, { ...o, partial: { endStep: k } });
      const tail = await samplePrior(c, text, { ...o, partial: { startStep: k, startLatents: head } });
      expect(sameBits(tail.data, full.data), `k = ${k}`).toBe(true);
    }
  });
});

describe("checked before anything runs (graph rules)", () => {
  const codes = (wf: Workflow) => checkWorkflow(wf, getDeclaration).errors.filter((e) => e.code === "step_range");
  const withDecoder = (params: Record<string, unknown>) => {
    const wf = base();
    Object.assign(wf.nodes.find((n) => n.id === "decoder")!.params, params);
    return wf;
  };

  it("a start step without “Continue from”, latents without a start step, an empty range", () => {
    expect(codes(base())).toEqual([]);
    expect(codes(split(base(), "decoder", 2))).toEqual([]);
    expect(codes(withDecoder({ startStep: 2 }))).toMatchObject([{ nodeId: "decoder", param: "startStep", port: "noisyLatents" }]);
    expect(codes(withDecoder({ startStep: 3, endStep: 2 }))[0].message).toMatch(/Start step \(3\) must be below End step \(2\)/);
    const unset = split(base(), "decoder", 2);
    unset.nodes.find((n) => n.id === "decoderB")!.params.startStep = 0;
    expect(codes(unset)).toMatchObject([{ nodeId: "decoderB", param: "startStep", message: expect.stringMatching(/Start step is 0/) as unknown }]);
  });
});

describe("stepRange", () => {
  it("defaults to the whole schedule and checks the range", () => {
    const x = float32([1, 2], new Float32Array(2));
    expect(stepRange(5, [1, 2])).toEqual({ start: 0, end: 5 });
    expect(stepRange(5, [1, 2], { startStep: 4, startLatents: x })).toEqual({ start: 4, end: 5 });
    expect(() => stepRange(5, [1, 2], { startStep: 1, startLatents: float32([1, 3], new Float32Array(3)) })).toThrow(/got shape \[1, 3\]/);
    expect(() => stepRange(5, [1, 2], { startLatents: x })).toThrow(/startLatents is given but startStep is 0/);
    expect(() => stepRange(5, [1, 2], { endStep: 0 })).toThrow(/must be below endStep/);
  });

  it("a seeded stream skipped past k rows draws what drawing them would (odd row sizes too)", () => {
    const a = new NoiseStream(3, "s");
    const b = new NoiseStream(3, "s");
    for (let i = 0; i < 4; i++) a.randn(7);
    b.skip(28);
    expect(sameBits(a.randn(7), b.randn(7))).toBe(true);
  });
});
