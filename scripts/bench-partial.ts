/**
 * `npx tsx scripts/bench-partial.ts [--model DIR] [--runs N]`: what branching from step k costs.
 * (1) Advancing a seeded noise stream past k steps (what a sampler continued from step k does
 * instead of drawing those rows), at Karlo's sizes: decoder 3×64×64 and super-res 3×256×256 per
 * image. (2) The decoder run whole (0 → T) against the same run split at T/2 (0 → k, then k → T),
 * median of N runs each, and that the split's pixels are the whole run's bit for bit.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { SessionPool } from "../server/runtime/sessionPool";
import { UnclipComponents } from "../server/unclip/components";
import { decoderConditioning, sampleDecoder } from "../server/unclip/decoderStage";
import { encodePrompt } from "../server/unclip/encodePrompt";
import { NoiseStream } from "../server/unclip/noise";
import { runPrior } from "../server/unclip/priorStage";

const { values } = parseArgs({
  options: { model: { type: "string", default: path.resolve("../shared/fixtures/unclip-tiny") }, runs: { type: "string", default: "3" } },
});
const runs = Math.max(1, Number(values.runs));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

console.log("advancing a seeded stream past k steps (one image)");
for (const [name, perStep, steps] of [
  ["decoder 3×64×64, k = 12 of 25", 3 * 64 * 64, 12],
  ["super-res 3×256×256, k = 6 of 7", 3 * 256 * 256, 6],
] as const) {
  const ms = await timeIt(() => new NoiseStream(1, "bench").skip(perStep * steps));
  console.log(`  ${name.padEnd(34)} ${ms.toFixed(1).padStart(7)} ms`);
}

const pool = new SessionPool("cpu");
try {
  const c = await UnclipComponents.load(values.model, pool);
  const text = await encodePrompt(c, { prompts: ["a red circle"], numImagesPerPrompt: 1, cfg: true });
  const embeds = await runPrior(c, text, { numInferenceSteps: 25, guidanceScale: 4, seed: 1 });
  const cond = await decoderConditioning(c, text, embeds);
  const o = { numInferenceSteps: 25, guidanceScale: 8, seed: 1 };
  const whole = await sampleDecoder(c, cond, o); // also warms the sessions
  let split = whole;
  const wholeMs = await timeIt(() => sampleDecoder(c, cond, o));
  const splitMs = await timeIt(async () => {
    const head = await sampleDecoder(c, cond, { ...o, partial: { endStep: 12 } });
    split = await sampleDecoder(c, cond, { ...o, partial: { startStep: 12, startLatents: head } });
  });
  const same = Buffer.from(split.data.buffer).equals(Buffer.from(whole.data.buffer));
  console.log(`decoder, 25 steps, ${path.basename(values.model)} (median of ${runs})`);
  console.log(`  whole 0 → 25                       ${wholeMs.toFixed(1).padStart(7)} ms`);
  console.log(`  split 0 → 12 → 25                  ${splitMs.toFixed(1).padStart(7)} ms  (bit-identical: ${same ? "yes" : "NO"})`);
  if (!same) process.exitCode = 1;
} finally {
  await pool.release();
}
