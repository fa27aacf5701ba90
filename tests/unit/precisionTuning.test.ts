import { afterEach, describe, expect, it, vi } from "vitest";
import { int8Level, tuningFor } from "../../server/runtime/precisionTuning";
import { defaultTuning, type SessionTuning } from "../../server/runtime/sessionOptions";

const base: SessionTuning = { ...defaultTuning(), graphOptimizationLevel: "all" };

describe("session tuning per graph precision", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("leaves float32, float16 and unknown-precision graphs on the pool's tuning", () => {
    for (const p of ["float32", "float16", undefined] as const) expect(tuningFor(base, p)).toBe(base);
  });

  it("runs int8 graphs at extended (no NHWC layout change) and changes nothing else", () => {
    const t = tuningFor(base, "int8");
    expect(t.graphOptimizationLevel).toBe("extended");
    expect({ ...t, graphOptimizationLevel: "all" }).toEqual(base);
    expect(base.graphOptimizationLevel).toBe("all"); // the pool's own tuning is not mutated
  });

  it("never raises the pool's level", () => {
    const basic = { ...base, graphOptimizationLevel: "basic" as const };
    expect(tuningFor(basic, "int8")).toBe(basic);
  });

  it("UNCLIP_ORT_INT8_OPT_LEVEL overrides the int8 level; an unknown value falls back to extended", () => {
    vi.stubEnv("UNCLIP_ORT_INT8_OPT_LEVEL", "all");
    expect(tuningFor(base, "int8").graphOptimizationLevel).toBe("all");
    vi.stubEnv("UNCLIP_ORT_INT8_OPT_LEVEL", "fastest");
    expect(int8Level()).toBe("extended");
  });
});
