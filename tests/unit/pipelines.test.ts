/** Behaviour of the two pipelines beyond parity: seeds, streams, progress, cancellation, inputs. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { CancelledError, InputError } from "../../server/errors";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { decodeImage } from "../../server/unclip/imageProcessor";
import { imageVariation } from "../../server/unclip/pipelineImageVariation";
import { text2image } from "../../server/unclip/pipelineText2Image";
import type { ProgressEvent } from "../../server/unclip/progress";
import { float32 } from "../../server/unclip/tensor";
import { describeWithFixtures, TINY_CASES, TINY_PACKAGE } from "../helpers/fixtures";

const pool = new SessionPool("cpu");
afterAll(() => pool.release());
const fast = { priorNumInferenceSteps: 3, decoderNumInferenceSteps: 3, superResNumInferenceSteps: 2 };
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describeWithFixtures("text2image", () => {
  const load = () => UnclipComponents.load(TINY_PACKAGE, pool);

  it("is deterministic per seed, and each stage has its own noise stream", async () => {
    const c = await load();
    const a = await text2image(c, { prompt: "a horse", seed: 5, ...fast, recordIntermediates: true });
    const b = await text2image(c, { prompt: "a horse", seed: 5, ...fast, recordIntermediates: true });
    expect(same(a.images.data, b.images.data)).toBe(true);
    expect(a.seed).toBe(5);
    // more prior steps change the prior's draws, but the decoder and super-res start from the same noise
    const capture = () => {
      const m = new Map<string, Float32Array>();
      return { m, onStep: (e: { stage: string; index: number; sample: { data: Float32Array } }) => e.index === 0 && m.set(e.stage, e.sample.data.slice()) };
    };
    const x = capture();
    const y = capture();
    await text2image(c, { prompt: "a horse", seed: 5, ...fast }, { onStep: x.onStep });
    const c2 = await text2image(c, { prompt: "a horse", seed: 5, ...fast, priorNumInferenceSteps: 4, recordIntermediates: true }, { onStep: y.onStep });
    expect(same(a.intermediates!.image_embeddings.data as Float32Array, c2.intermediates!.image_embeddings.data as Float32Array)).toBe(false);
    expect(same(x.m.get("prior")!, y.m.get("prior")!)).toBe(true);
    expect(same(x.m.get("decoder")!, y.m.get("decoder")!)).toBe(true);
    expect(same(x.m.get("super_res")!, y.m.get("super_res")!)).toBe(true);
    expect(same(x.m.get("decoder")!.subarray(0, 100), x.m.get("super_res")!.subarray(0, 100))).toBe(false);
    const d = await text2image(c, { prompt: "a horse", seed: 6, ...fast });
    expect(same(a.images.data, d.images.data)).toBe(false);
  });

  it("draws a seed when none is given and reports it", async () => {
    const c = await load();
    const r = await text2image(c, { prompt: "x", ...fast });
    expect(Number.isInteger(r.seed)).toBe(true);
    const again = await text2image(c, { prompt: "x", ...fast, seed: r.seed });
    expect(same(r.images.data, again.images.data)).toBe(true);
  });

  it("reports progress for every stage and step, and the provider of every graph", async () => {
    const c = await load();
    const events: ProgressEvent[] = [];
    const r = await text2image(c, { prompt: "x", seed: 1, ...fast }, { onProgress: (e) => events.push(e) });
    const last = (stage: string) => events.filter((e) => e.stage === stage).at(-1);
    expect(last("prior")).toMatchObject({ step: 3, steps: 3, timestep: 0 });
    expect(last("decoder")).toMatchObject({ step: 3, steps: 3 });
    expect(last("super_res")).toMatchObject({ step: 2, steps: 2 });
    expect(events.filter((e) => e.stage === "decoder").map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(r.providers).toMatchObject({ text_encoder: "cpu", prior: "cpu", text_proj: "cpu", decoder: "cpu", super_res_first: "cpu", super_res_last: "cpu" });
    expect(Object.keys(r.timings)).toEqual(expect.arrayContaining(["text_encoder", "prior", "decoder", "super_res"]));
  });

  it("stops within one denoising step when cancelled, and the next run works", async () => {
    const c = await load();
    const controller = new AbortController();
    let decoderSteps = 0;
    const err = await text2image(
      c,
      { prompt: "x", seed: 1, ...fast, decoderNumInferenceSteps: 10 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === "decoder" && e.step > 0) {
            decoderSteps = e.step;
            if (e.step === 2) controller.abort();
          }
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(decoderSteps).toBe(2);
    const ok = await text2image(c, { prompt: "x", seed: 1, ...fast });
    expect(ok.images.shape).toEqual([1, 64, 64, 3]);
  });

  it("accepts pre-computed text embeddings (textModelOutput) with the same result as the prompt", async () => {
    const c = await load();
    const a = await text2image(c, { prompt: ["a", "b"], seed: 2, ...fast, recordIntermediates: true });
    const rec = a.intermediates!;
    // the conditional half of the recorded [uncond; cond] text tensors
    const half = (t: { shape: number[]; data: Float32Array | Uint8Array }) => {
      const rows = t.shape[0] / 2;
      const size = t.data.length / t.shape[0];
      return { shape: [rows, ...t.shape.slice(1)], data: t.data.slice(rows * size) };
    };
    const embeds = half(rec.text_embeds as never);
    const hidden = half(rec.text_encoder_hidden_states as never);
    const mask = half(rec.text_mask as never);
    const b = await text2image(c, {
      seed: 2,
      ...fast,
      textModelOutput: { textEmbeds: float32(embeds.shape, embeds.data as Float32Array), lastHiddenState: float32(hidden.shape, hidden.data as Float32Array) },
      textAttentionMask: { dtype: "bool", shape: mask.shape, data: mask.data as Uint8Array },
    });
    expect(same(a.images.data, b.images.data)).toBe(true);
  });

  it("refuses bad input before running any model, naming the parameter", async () => {
    const c = await load();
    const runs = pool.stats.sessionRuns;
    const bad: [object, RegExp][] = [
      [{ prompt: "x", priorLatents: float32([1, 31]) }, /priorLatents: unexpected latents shape, got \[1, 31\], expected \[1, 32\]/],
      [{ prompt: "x", decoderLatents: float32([2, 3, 32, 32]) }, /decoderLatents/],
      [{ prompt: "x", superResStepNoise: float32([2, 1, 3, 64, 64]) }, /superResStepNoise: unexpected step noise shape/],
      [{ prompt: "x", decoderGuidanceScale: Number.NaN }, /decoderGuidanceScale must be a finite number/],
      [{ prompt: "x", numImagesPerPrompt: 0 }, /numImagesPerPrompt must be an integer/],
      [{ prompt: "x", priorNumInferenceSteps: 1 }, /priorNumInferenceSteps must be an integer of at least 2/],
      [{ prompt: [] }, /prompt/],
      [{}, /prompt/],
      [{ prompt: "x", priorLatents: float32([1, 32], new Float32Array(32).fill(Number.NaN)) }, /priorLatents: contains a non-finite value/],
    ];
    for (const [o, pattern] of bad) {
      const err = await text2image(c, { ...fast, ...o }).catch((e: unknown) => e);
      expect(err, JSON.stringify(o)).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(pattern);
    }
    expect(pool.stats.sessionRuns).toBe(runs);
  });
});

describeWithFixtures("imageVariation", () => {
  it("gives the same result from an image and from its CLIP image embedding", async () => {
    const c = await UnclipComponents.load(TINY_PACKAGE, pool);
    const png = await readFile(path.join(TINY_CASES, "variation-image", "input.png"));
    const image = await decodeImage(png, "input.png");
    const steps = { decoderNumInferenceSteps: 3, superResNumInferenceSteps: 2, seed: 9, numImagesPerPrompt: 2 };
    const a = await imageVariation(c, { image, ...steps, recordIntermediates: true });
    expect(a.images.shape).toEqual([2, 64, 64, 3]);
    const embeds = a.intermediates!.image_embeds;
    const b = await imageVariation(c, { imageEmbeddings: float32(embeds.shape, embeds.data as Float32Array), ...steps });
    expect(same(a.images.data, b.images.data)).toBe(true);
    const err = await imageVariation(c, { imageEmbeddings: float32([1, 31]) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/imageEmbeddings: unexpected embeddings shape/);
  });
});
