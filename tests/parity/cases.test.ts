/**
 * Parity with diffusers on every recorded case: (a) stage by stage, each stage fed the recorded
 * inputs (teacher forcing), every intermediate within 1e-4; (b) end to end from the case's inputs,
 * with the bounds that float noise amplified by the t = 999 step allows (fixtures README §7.2).
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UnclipError } from "../../server/errors";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { decoderModelOutput, padMask } from "../../server/unclip/decoderStage";
import { encodePrompt } from "../../server/unclip/encodePrompt";
import { postProcessLatents, priorModelOutput } from "../../server/unclip/priorStage";
import { superResModelOutput, toImageArray, upscaleDecoderImage } from "../../server/unclip/superResStage";
import { type BoolNdArray, clamp, float32, type Float32NdArray, sliceBatch } from "../../server/unclip/tensor";
import { callArg, caseArray, caseFloat, diffStats, discoverCases, type GoldenCase, maxAbsDiff, readTimesteps } from "../helpers/cases";
import { describeWithFixtures, FIXTURES_DIR } from "../helpers/fixtures";
import { runCase } from "../helpers/runCase";

const TOL = 1e-4;
const pool = new SessionPool("cpu");
const loaded = new Map<string, Promise<UnclipComponents>>();
function componentsFor(c: GoldenCase): Promise<UnclipComponents> {
  const dir = path.join(FIXTURES_DIR, c.json.package);
  if (!loaded.has(dir)) loaded.set(dir, UnclipComponents.load(dir, pool));
  return loaded.get(dir)!;
}
afterAll(() => pool.release());

const asNumbers = (a: { data: ArrayLike<number | bigint> }) => Array.from(a.data as ArrayLike<number>, Number);

async function expectClose(c: GoldenCase, name: string, got: { shape: number[]; data: ArrayLike<number | bigint> }, tol = TOL) {
  const exp = await caseArray(c, c.json.expected[name].file);
  expect(got.shape, `${name} shape`).toEqual(exp.shape);
  expect(maxAbsDiff(asNumbers(got), asNumbers(exp)), `${name} max abs`).toBeLessThanOrEqual(tol);
}

function boolFrom(a: { shape: number[]; data: Uint8Array }): BoolNdArray {
  return { dtype: "bool", shape: a.shape, data: a.data };
}

const cases = discoverCases();

describeWithFixtures("reference cases", () => {
  it("are discovered from the cases folder", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    describe(c.name, () => {
      if (c.json.expected_error) {
        it(`refuses up front with a clear error (diffusers: ${c.json.expected_error.type})`, async () => {
          const comp = await componentsFor(c);
          const runsBefore = pool.stats.sessionRuns;
          const err = await runCase(comp, c).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(UnclipError);
          expect((err as UnclipError).kind).toBe("bad_input");
          expect((err as Error).message).toMatch(/must be an integer of at least 2|must be/);
          expect(pool.stats.sessionRuns, "no model ran before the refusal").toBe(runsBefore);
        });
        return;
      }

      it("stage by stage (teacher forcing): every intermediate within 1e-4", async () => {
        const comp = await componentsFor(c);
        const exp = c.json.expected;
        const n = callArg<number>(c, "num_images_per_prompt") ?? 1;
        const cfg = Boolean(c.json.do_classifier_free_guidance);
        const ts = readTimesteps(c);

        // text side: the case's prompts in, tokens and text-encoder outputs out
        if (exp.text_embeds) {
          const prompt = callArg<string | string[]>(c, "prompt");
          const b0 = exp.input_ids.shape[0];
          const record: Record<string, { shape: number[]; data: ArrayLike<number | bigint> }> = {};
          await encodePrompt(
            comp,
            {
              prompts: c.json.pipeline === "variation" ? new Array(b0).fill("") : Array.isArray(prompt) ? prompt : [prompt!],
              numImagesPerPrompt: n,
              cfg,
              truncation: c.json.pipeline !== "variation",
            },
            record as never,
          );
          for (const k of ["input_ids", "attention_mask", "uncond_input_ids", "uncond_attention_mask"]) {
            if (exp[k]) await expectClose(c, k, record[k], 0);
          }
          for (const k of ["text_embeds", "text_encoder_hidden_states", "text_mask"]) await expectClose(c, k, record[k]);
        }
        const text = exp.text_embeds
          ? {
              promptEmbeds: await caseFloat(c, exp.text_embeds.file),
              hiddenStates: await caseFloat(c, exp.text_encoder_hidden_states.file),
              mask: boolFrom((await caseArray(c, exp.text_mask.file)) as never),
              cfg,
              batch: exp.image_embeddings.shape[0],
            }
          : undefined;

        // image encoder (variation from an image)
        if (exp.image_embeds && exp.pixel_values) {
          const embeds = await comp.imageEncoder(await caseFloat(c, exp.pixel_values.file));
          await expectClose(c, "image_embeds", embeds);
        }

        const scheduler = {
          prior: await comp.scheduler("prior_scheduler").catch(() => undefined),
          decoder: await comp.scheduler("decoder_scheduler"),
          super_res: await comp.scheduler("super_res_scheduler"),
        };
        const stepCheck = async (stage: "prior" | "decoder" | "super_res", modelOut: (x: Float32NdArray, t: number, i: number) => Promise<Float32NdArray>) => {
          const outs = await caseFloat(c, exp[`${stage}_steps_model_output`].file);
          const prevs = await caseFloat(c, exp[`${stage}_steps_prev_sample`].file);
          const latents = await caseFloat(c, c.json.inputs[`${stage}_latents`] as string);
          const noise = await caseFloat(c, c.json.inputs[`${stage}_step_noise`] as string);
          const steps = ts[stage].timesteps;
          const size = latents.data.length;
          for (let i = 0; i < steps.length; i++) {
            const x = i === 0 ? latents : sliceBatch(prevs, i - 1, i);
            const sample = float32(latents.shape, x.data);
            const got = await modelOut(sample, steps[i], i);
            const recorded = sliceBatch(outs, i, i + 1);
            expect(maxAbsDiff(got.data, recorded.data), `${stage} model output, step ${i} (t = ${steps[i]})`).toBeLessThanOrEqual(TOL);
            const r = scheduler[stage]!.step({
              modelOutput: recorded.data,
              modelOutputChannels: latents.shape.length > 2 ? outs.shape[2] : 0,
              sample: sample.data,
              sampleChannels: latents.shape.length > 2 ? latents.shape[1] : 0,
              sampleShape: latents.shape,
              timestep: steps[i],
              prevTimestep: i + 1 < steps.length ? steps[i + 1] : null,
              noise: steps[i] > 0 ? noise.data.subarray(i * size, (i + 1) * size) : undefined,
            });
            expect(maxAbsDiff(r.prevSample, prevs.data.subarray(i * size, (i + 1) * size)), `${stage} step ${i}`).toBeLessThanOrEqual(TOL);
          }
          return sliceBatch(prevs, steps.length - 1, steps.length);
        };

        // prior, then post_process_latents
        if (exp.prior_steps_model_output && text) {
          const guidance = callArg<number>(c, "prior_guidance_scale") ?? 4;
          const last = await stepCheck("prior", (x, t) => priorModelOutput(comp, text, x, t, guidance));
          const latents = float32(last.shape.slice(1), last.data);
          await expectClose(c, "image_embeddings", postProcessLatents(latents, await comp.clipMean(), await comp.clipStd()));
        }

        // text_proj + mask padding, from the recorded image embeddings
        const imageEmbeddings = await caseFloat(c, exp.image_embeddings.file);
        let img = imageEmbeddings;
        if (cfg) {
          const learned = await comp.learnedGuidanceEmbedding();
          const rows = imageEmbeddings.shape[0];
          const data = new Float32Array(2 * imageEmbeddings.data.length);
          for (let r = 0; r < rows; r++) data.set(learned.data, r * learned.data.length);
          data.set(imageEmbeddings.data, imageEmbeddings.data.length);
          img = float32([2 * rows, imageEmbeddings.shape[1]], data);
        }
        const tp = await comp.textProj({ imageEmbeddings: img, promptEmbeds: text!.promptEmbeds, textEncoderHiddenStates: text!.hiddenStates });
        await expectClose(c, "decoder_encoder_hidden_states", tp.encoderHiddenStates);
        await expectClose(c, "additive_clip_time_embeddings", tp.additiveClipTimeEmbeddings);
        const extra = comp.pkg.configs.text_proj!.clip_extra_context_tokens;
        await expectClose(c, "decoder_attention_mask", padMask(text!.mask, extra), 0);

        // decoder, from the recorded conditioning
        const cond = {
          encoderHiddenStates: await caseFloat(c, exp.decoder_encoder_hidden_states.file),
          classLabels: await caseFloat(c, exp.additive_clip_time_embeddings.file),
          attentionMask: boolFrom((await caseArray(c, exp.decoder_attention_mask.file)) as never),
          cfg,
          batch: imageEmbeddings.shape[0],
        };
        const decGuidance = callArg<number>(c, "decoder_guidance_scale") ?? 8;
        const lastDec = await stepCheck("decoder", (x, t) => decoderModelOutput(comp, cond, x, t, decGuidance));
        await expectClose(c, "decoder_image", clamp(float32(lastDec.shape.slice(1), lastDec.data), -1, 1));

        // upscaling and super-res, from the recorded decoder image
        const decoderImage = await caseFloat(c, exp.decoder_image.file);
        const S = comp.pkg.configs.super_res_first!.sample_size;
        await expectClose(c, "image_upscaled", upscaleDecoderImage(decoderImage, S));
        const upscaled = await caseFloat(c, exp.image_upscaled.file);
        const steps = ts.super_res.timesteps.length;
        const unets: string[] = [];
        const lastSr = await stepCheck("super_res", async (x, t, i) => {
          const r = await superResModelOutput(comp, upscaled, x, t, i, steps);
          unets.push(r.unet);
          return r.output;
        });
        if (ts.super_res.unet_per_step) expect(unets).toEqual(ts.super_res.unet_per_step);
        await expectClose(c, "image", toImageArray(float32(lastSr.shape.slice(1), lastSr.data)));
      });

      it("end to end from the case's inputs: the image and every recorded intermediate", async () => {
        const comp = await componentsFor(c);
        const result = await runCase(comp, c);
        const rec = result.intermediates!;
        for (const [name, e] of Object.entries(c.json.expected)) {
          const got = rec[name];
          expect(got, `${name} recorded`).toBeDefined();
          const exp = await caseArray(c, e.file);
          expect(got.shape, `${name} shape`).toEqual(e.shape);
          if (exp.dtype !== "float32") {
            expect(asNumbers(got), name).toEqual(asNumbers(exp));
            continue;
          }
          // Free-running, float32 rounding differences (the CPU's kernels: AVX2 and AVX-512 paths differ in
          // the last bits) grow through the stochastic steps; the random-weight super-res of the tiny package
          // amplifies them most (variation-image on an AVX-512 CPU: 1.2 % of its outputs off by > 1e-3,
          // mean 6e-5). The stage-by-stage test above holds every intermediate to 1e-4.
          const s = diffStats(asNumbers(got), asNumbers(exp));
          expect(s.mean, `${name} mean abs`).toBeLessThanOrEqual(1e-4);
          expect(s.fractionOver, `${name} fraction of values off by > 1e-3`).toBeLessThanOrEqual(0.02);
          expect(s.max, `${name} max abs`).toBeLessThanOrEqual(0.1);
        }
        expect(result.images.shape).toEqual(c.json.expected.image.shape);
        expect(Object.values(result.providers).every((p) => p === "cpu")).toBe(true);
      });
    });
  }
});
