import { describe, expect, it } from "vitest";
import { channelConcatBeside, concatChannels, float32 } from "../../server/unclip/tensor";

const ramp = (shape: number[], from: number) =>
  float32(
    shape,
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => from + i),
  );

describe("channelConcatBeside", () => {
  it("gives what concatChannels gives, step after step, with the fixed part written once", () => {
    const fixed = ramp([2, 3, 4, 4], 1000);
    const beside = channelConcatBeside(fixed);
    let first: Float32Array | null = null;
    for (let step = 0; step < 3; step++) {
      const x = ramp([2, 3, 4, 4], step * 100);
      const got = beside(x);
      expect(got.shape).toEqual([2, 6, 4, 4]);
      expect(Array.from(got.data)).toEqual(Array.from(concatChannels([x, fixed]).data));
      first ??= got.data;
      expect(got.data).toBe(first); // one buffer for the whole loop
    }
  });

  it("falls back to a fresh concatenation (or its error) for another layout", () => {
    const beside = channelConcatBeside(ramp([1, 3, 4, 4], 0));
    beside(ramp([1, 3, 4, 4], 0));
    expect(beside(ramp([1, 1, 4, 4], 0)).shape).toEqual([1, 4, 4, 4]);
    expect(() => beside(ramp([1, 3, 2, 2], 0))).toThrow("cannot concatenate channels");
  });
});
