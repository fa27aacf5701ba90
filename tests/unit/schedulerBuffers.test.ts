/**
 * UnCLIPScheduler.step with hoisted per-step scalars, specialised loops and caller-owned output
 * buffers (the sampler reuses them from step to step) must give exactly what the earlier
 * element-by-element implementation gave: the reference below is that code, verbatim in its
 * arithmetic. Compared bit for bit on random inputs for every configuration the scheduler takes.
 */
import { describe, expect, it } from "vitest";
import { clampF32, divideF32, float32Bits, type StepInput, UnCLIPScheduler } from "../../server/unclip/scheduler";

const f = Math.fround;

function referenceStep(s: UnCLIPScheduler, input: StepInput) {
  const cfg = s.config;
  const t = input.timestep;
  const batch = input.sampleShape[0];
  const rowSize = input.sample.length / batch;
  const c = s.stepCoefficients(t, input.prevTimestep);
  const split = cfg.variance_type === "learned_range" && input.modelOutputChannels === input.sampleChannels * 2;
  const outRow = input.modelOutput.length / batch;
  const sqrtAlphaProdT = f(Math.sqrt(c.alphaProdT));
  const sqrtBetaProdT = f(Math.sqrt(c.betaProdT));
  const x0Coeff = f(f(f(Math.sqrt(c.alphaProdPrev)) * c.beta) / c.betaProdT);
  const sampleCoeff = f(f(f(Math.sqrt(c.alpha)) * c.betaProdPrev) / c.betaProdT);
  const range = cfg.clip_sample_range;
  const epsilon = cfg.prediction_type === "epsilon";
  const addNoise = t > 0;
  const n = input.sample.length;
  const x0 = new Float32Array(n);
  const prevSample = new Float32Array(n);
  const fixedStd = f(Math.exp(f(0.5 * f(Math.log(Math.max(c.variance, 1e-20))))));
  const learned = cfg.variance_type === "learned_range";
  const minLog = f(Math.log(c.variance));
  const maxLog = f(Math.log(c.beta));
  const stds = addNoise && learned ? new Float32Array(n) : null;
  let fracSum = 0;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < rowSize; j++) {
      const i = b * rowSize + j;
      const mo = split ? input.modelOutput[b * outRow + j] : input.modelOutput[i];
      const sv = input.sample[i];
      let x = epsilon ? f(f(sv - f(sqrtBetaProdT * mo)) / sqrtAlphaProdT) : mo;
      if (cfg.clip_sample) x = x < -range ? -range : x > range ? range : x;
      x0[i] = x;
      let v = f(f(x0Coeff * x) + f(sampleCoeff * sv));
      if (addNoise) {
        let std: number;
        if (learned) {
          const pv = input.modelOutput[b * outRow + rowSize + j];
          const frac = f(f(pv + 1) / 2);
          fracSum += frac;
          std = f(Math.exp(f(0.5 * f(f(frac * maxLog) + f(f(1 - frac) * minLog)))));
          stds![i] = std;
        } else {
          std = fixedStd;
        }
        v = f(v + f(std * input.noise![i]));
      }
      prevSample[i] = v;
    }
  }
  return {
    prevSample,
    predOriginalSample: x0,
    std: addNoise ? (learned ? stds : fixedStd) : null,
    meanVarianceFraction: addNoise && learned ? fracSum / n : null,
  };
}

// a small deterministic generator: the test's inputs are the same on every run
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const CONFIGS = [
  { variance_type: "learned_range", prediction_type: "epsilon", clip_sample: true }, // the decoder
  { variance_type: "fixed_small_log", prediction_type: "epsilon", clip_sample: true }, // super-res
  { variance_type: "fixed_small_log", prediction_type: "sample", clip_sample: true, clip_sample_range: 5 }, // the prior
  { variance_type: "fixed_small_log", prediction_type: "epsilon", clip_sample: false },
  { variance_type: "learned_range", prediction_type: "sample", clip_sample: false },
] as const;

describe("UnCLIPScheduler.step (specialised loops, reusable buffers)", () => {
  for (const config of CONFIGS) {
    it(`equals the element-by-element reference bit for bit: ${JSON.stringify(config)}`, () => {
      const s = UnCLIPScheduler.fromConfig(config);
      const learned = config.variance_type === "learned_range";
      const [batch, channels, size] = [2, 3, 8];
      const n = batch * channels * size * size;
      const sampleShape = [batch, channels, size, size];
      const ts = s.timesteps(6);
      const prevOut = new Float32Array(n);
      const x0Out = new Float32Array(n);
      for (const [k, t] of ts.entries()) {
        const input: StepInput = {
          modelOutput: values(learned ? 2 * n : n, 11 + k, 3), // wide enough to clip
          modelOutputChannels: learned ? 2 * channels : channels,
          sample: values(n, 101 + k, 2),
          sampleChannels: channels,
          sampleShape,
          timestep: t,
          prevTimestep: ts[k + 1] ?? null,
          noise: t > 0 ? values(n, 1001 + k, 1) : undefined,
        };
        const ref = referenceStep(s, input);
        const fresh = s.step(input);
        const reused = s.step({ ...input, prevSampleOut: prevOut, predOriginalSampleOut: x0Out });
        for (const got of [fresh, reused]) {
          expect(bits(got.prevSample).equals(bits(ref.prevSample)), `t ${t} prevSample`).toBe(true);
          expect(bits(got.predOriginalSample).equals(bits(ref.predOriginalSample)), `t ${t} x0`).toBe(true);
          expect(got.meanVarianceFraction).toBe(ref.meanVarianceFraction);
          if (ref.std instanceof Float32Array) expect(bits(got.std as Float32Array).equals(bits(ref.std))).toBe(true);
          else expect(got.std).toBe(ref.std);
        }
        expect(reused.prevSample).toBe(prevOut);
        expect(reused.predOriginalSample).toBe(x0Out);
        // in place, as the sampler runs it: x_{t-1} written over x_t
        const inPlace = input.sample.slice();
        s.step({ ...input, sample: inPlace, prevSampleOut: inPlace, predOriginalSampleOut: x0Out });
        expect(bits(inPlace).equals(bits(ref.prevSample)), `t ${t} in place`).toBe(true);
      }
    });
  }

  it("refuses output buffers of the wrong size or an x0 buffer shared with the sample", () => {
    const s = UnCLIPScheduler.fromConfig({});
    const input: StepInput = {
      modelOutput: new Float32Array(4),
      modelOutputChannels: 1,
      sample: new Float32Array(4),
      sampleChannels: 1,
      sampleShape: [1, 1, 2, 2],
      timestep: 0,
      prevTimestep: null,
    };
    expect(() => s.step({ ...input, prevSampleOut: new Float32Array(3) })).toThrow(/prevSampleOut has 3 values, the sample 4/);
    expect(() => s.step({ ...input, predOriginalSampleOut: input.sample })).toThrow(/predOriginalSampleOut must be a buffer of its own/);
  });
});

describe("divideF32 (a float32 division as a multiplication by the float64 reciprocal)", () => {
  it("gives f(y / a) for every training timestep's √ᾱ_t, random y and quotients next to rounding midpoints", () => {
    const s = UnCLIPScheduler.fromConfig({});
    const words = new Uint32Array(1);
    const asFloat = new Float32Array(words.buffer);
    let x = 12345;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    let checked = 0;
    const check = (y: number, a: number) => {
      if (!Number.isFinite(y)) return;
      expect(divideF32(y, 1 / a), `${y} / ${a}`).toBe(f(y / a));
      checked++;
    };
    for (let t = 0; t < 1000; t++) {
      const a = f(Math.sqrt(s.alphasCumprod[t]));
      for (let k = 0; k < 100; k++) {
        words[0] = next(); // any float32 bit pattern: every exponent, subnormals, both signs
        check(asFloat[0], a);
        // a midpoint m = M · 2^r between two float32 values (M odd, 25 bits): y = the float32 nearest m · a and its neighbours
        const m = ((next() & 0xffffff) * 2 + 1 + 2 ** 25) * 2 ** ((next() % 60) - 90);
        const y = f(m * a);
        for (const d of [-1, 0, 1]) {
          asFloat[0] = y;
          words[0] += d;
          check(asFloat[0], a);
        }
      }
    }
    expect(checked).toBeGreaterThan(390_000);
  });
});

describe("clampF32 (x̂₀'s clip on the float32 bits, without branches)", () => {
  it("gives what the branches give: ±∞ to ±range, NaN kept, −0 kept, the range's own value kept", () => {
    const f = Math.fround;
    const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1, -1, f(1 + 2 ** -23), f(-1 - 2 ** -23), f(1 - 2 ** -24), 3.4e38, -3.4e38, 0.5, -2];
    const random = Array.from({ length: 20_000 }, (_, i) => f(Math.sin(i * 12.9898) * 10 ** ((i % 9) - 4)));
    for (const range of [1, 0.5, f(Math.PI), 1e-30, 3e38]) {
      const r = f(range);
      const values = new Float32Array([...specials, ...random]);
      const bits = new Int32Array(values.buffer);
      const expected = Array.from(values, (x) => (x < -r ? -r : x > r ? r : x));
      for (let i = 0; i < values.length; i++) clampF32(bits, i, float32Bits(range));
      values.forEach((x, i) => expect(Object.is(x, f(expected[i])), `${expected[i]} clamped to ±${r}: ${x}`).toBe(true));
    }
  });
});
