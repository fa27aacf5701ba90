/**
 * The sampler reuses its buffers when nobody watches the steps (no onStep hook, no record): the
 * images must be the same as a watched run's, bit for bit, and latents the caller gave must not
 * be written to.
 */
import { afterAll, expect, it } from "vitest";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { float32 } from "../../server/unclip/tensor";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";

const pool = new SessionPool("cpu");
afterAll(() => pool.release());
const steps = { priorNumInferenceSteps: 3, decoderNumInferenceSteps: 4, superResNumInferenceSteps: 3 };
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describeWithFixtures("sampler buffer reuse", () => {
  it("gives a watched run's images, and leaves the caller's latents untouched", async () => {
    const c = await UnclipComponents.load(TINY_PACKAGE, pool);
    const dec = c.pkg.configs.decoder!;
    const shape = [2, dec.in_channels, dec.sample_size, dec.sample_size];
    const given = float32(
      shape,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)),
    );
    const kept = given.data.slice();
    const options = { prompt: "a red circle", seed: 3, numImagesPerPrompt: 2, decoderLatents: given, ...steps };
    const seen: string[] = [];
    const watched = await text2image(c, options, { onStep: (e) => seen.push(`${e.stage}:${e.index}`) });
    const bare = await text2image(c, options, { onProgress: () => undefined });
    const recorded = await text2image(c, { ...options, recordIntermediates: true });
    expect(seen).toContain("super_res:2");
    expect(bits(bare.images.data).equals(bits(watched.images.data))).toBe(true);
    expect(bits(recorded.images.data).equals(bits(watched.images.data))).toBe(true);
    expect(bits(given.data).equals(bits(kept))).toBe(true);
  });
});
