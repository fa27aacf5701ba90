import path from "node:path";
import { describe, expect, it } from "vitest";
import { SchedulerError, UnCLIPScheduler, roundHalfEven } from "../../server/unclip/scheduler";
import { caseFloat, discoverCases, maxAbsDiff, readTimesteps } from "../helpers/cases";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";

const karlo = (over: Record<string, unknown> = {}) => UnCLIPScheduler.fromConfig({ beta_schedule: "squaredcos_cap_v2", num_train_timesteps: 1000, ...over });

describe("UnCLIPScheduler.set_timesteps", () => {
  it("matches diffusers' respacing with numpy's half-to-even rounding", () => {
    const s = karlo();
    expect(s.timesteps(25)).toEqual([999, 957, 916, 874, 832, 791, 749, 708, 666, 624, 583, 541, 500, 458, 416, 375, 333, 291, 250, 208, 166, 125, 83, 42, 0]);
    expect(s.timesteps(7)).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(s.timesteps(2)).toEqual([999, 0]);
    expect(roundHalfEven(166.5)).toBe(166);
    expect(roundHalfEven(832.5)).toBe(832);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
  });

  it("refuses one step (diffusers divides by steps - 1) with a message naming the parameter", () => {
    expect(() => karlo().timesteps(1, "superResNumInferenceSteps")).toThrow(SchedulerError);
    expect(() => karlo().timesteps(1, "superResNumInferenceSteps")).toThrow(/superResNumInferenceSteps must be an integer of at least 2/);
    expect(() => karlo().timesteps(0)).toThrow(/at least 2/);
    expect(() => karlo().timesteps(1001)).toThrow(/at most 1000/);
  });

  it("rejects unsupported configs with the file name", () => {
    expect(() => UnCLIPScheduler.fromConfig({ beta_schedule: "linear" }, "x/scheduler_config.json")).toThrow(/x\/scheduler_config.json: beta_schedule/);
    expect(() => UnCLIPScheduler.fromConfig({ variance_type: "fixed_large" }, "y.json")).toThrow(/y.json: variance_type/);
  });

  it("computes the squaredcos_cap_v2 schedule", () => {
    const s = karlo();
    expect(s.betas[999]).toBeCloseTo(0.999, 6);
    expect(s.alphasCumprod[0]).toBeCloseTo(1 - s.betas[0], 7);
    // ᾱ decreases monotonically to nearly zero
    for (let i = 1; i < 1000; i++) expect(s.alphasCumprod[i]).toBeLessThan(s.alphasCumprod[i - 1]);
    expect(Math.sqrt(s.alphasCumprod[999])).toBeCloseTo(4.9e-5, 5);
  });

  it("refuses learned_range without variance channels, as diffusers cannot run it", () => {
    const s = karlo({ variance_type: "learned_range" });
    expect(() =>
      s.step({
        modelOutput: new Float32Array(3),
        modelOutputChannels: 3,
        sample: new Float32Array(3),
        sampleChannels: 3,
        sampleShape: [1, 3, 1, 1],
        timestep: 500,
        prevTimestep: 400,
        noise: new Float32Array(3),
      }),
    ).toThrow(/learned_range/);
  });
});

const cases = discoverCases().filter((c) => !c.json.expected_error);

describeWithFixtures("UnCLIPScheduler.step against recorded diffusers steps", () => {
  for (const c of cases) {
    for (const stage of ["prior", "decoder", "super_res"] as const) {
      if (!c.json.expected[`${stage}_steps_model_output`]) continue;
      it(`${c.name} / ${stage}: every step within 1e-6 given the recorded model output`, async () => {
        const scheduler = await UnCLIPScheduler.fromConfigFile(path.join(TINY_PACKAGE, `${stage}_scheduler`, "scheduler_config.json"));
        const ts = readTimesteps(c)[stage].timesteps;
        const modelOut = await caseFloat(c, `${stage}_steps_model_output.npy`);
        const prev = await caseFloat(c, `${stage}_steps_prev_sample.npy`);
        const noise = await caseFloat(c, `${stage}_step_noise.npy`);
        const latents = await caseFloat(c, `${stage}_latents.npy`);
        expect(scheduler.timesteps(ts.length)).toEqual(ts);
        const sampleShape = latents.shape;
        const sampleSize = latents.data.length;
        const outSize = modelOut.data.length / ts.length;
        for (let i = 0; i < ts.length; i++) {
          const sample = i === 0 ? latents.data : prev.data.subarray((i - 1) * sampleSize, i * sampleSize);
          const r = scheduler.step({
            modelOutput: modelOut.data.subarray(i * outSize, (i + 1) * outSize),
            modelOutputChannels: sampleShape.length > 2 ? modelOut.shape[2] : 0,
            sample,
            sampleChannels: sampleShape.length > 2 ? sampleShape[1] : 0,
            sampleShape,
            timestep: ts[i],
            prevTimestep: i + 1 < ts.length ? ts[i + 1] : null,
            noise: ts[i] > 0 ? noise.data.subarray(i * sampleSize, (i + 1) * sampleSize) : undefined,
          });
          expect(maxAbsDiff(r.prevSample, prev.data.subarray(i * sampleSize, (i + 1) * sampleSize))).toBeLessThanOrEqual(1e-6);
        }
      });
    }
  }
});
