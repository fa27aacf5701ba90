import { InputError } from "../../server/errors";
import { NoiseStream } from "../../server/unclip/noise";
import { readNpy } from "../../server/unclip/npy";
import { float32, numel, shapeString } from "../../server/unclip/tensor";
import { seedFor } from "../engine/inputs";
import { noiseNode } from "./node";
import { defineRunner } from "../engine/runContext";

/** 64 Mi values (256 MB of float32): far beyond any unCLIP latent, small enough to stay safe. */
export const MAX_NOISE_VALUES = 64 * 1024 * 1024;

export function parseShape(text: string): number[] {
  const shape = text.split(",").map((s) => Number(s.trim()));
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new InputError("bad_shape", `shape: "${text}" is not a list of positive sizes such as 1,3,64,64`, { parameter: "shape" });
  }
  if (numel(shape) > MAX_NOISE_VALUES) {
    throw new InputError("bad_shape", `shape: ${shapeString(shape)} holds ${numel(shape)} values; at most ${MAX_NOISE_VALUES} are allowed`, {
      parameter: "shape",
    });
  }
  return shape;
}

export const noiseRunner = defineRunner(noiseNode, async (ctx, inputs, p) => {
  if (p.source === "file") {
    if (!p.file) throw new InputError("missing_file", "file: choose an uploaded .npy file", { parameter: "file" });
    const array = readNpy(await ctx.readUpload(p.file), p.file);
    if (array.dtype !== "float32") {
      throw new InputError("bad_dtype", `${p.file}: holds ${array.dtype} values; noise must be float32 or float64`, { parameter: "file", file: p.file });
    }
    return { outputs: { latents: array }, ui: { text: `${shapeString(array.shape)} from ${p.file}` } };
  }
  const shape = parseShape(p.shape);
  const seed = seedFor(inputs, p);
  const latents = float32(shape, new NoiseStream(seed, p.stream).randn(numel(shape)));
  return { outputs: { latents }, ui: { text: `${shapeString(shape)}, seed ${seed}` } };
});
