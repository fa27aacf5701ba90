/** `unclip variation`: image → variations (diffusers' UnCLIPImageVariationPipeline). */
import { readInputFile } from "./guards";
import { InputError } from "../../server/errors";
import { decodeImage } from "../../server/unclip/imageProcessor";
import { imageVariation } from "../../server/unclip/pipelineImageVariation";
import { UsageError, parse } from "./args";
import { COMMON_OPTIONS, outputOptions, readFloatNpy, runPipeline, sharedPipelineOptions } from "./common";

export const VARIATION_USAGE = `usage: unclip variation [--model DIR] (--image FILE [--image FILE …] | --image-embeddings F.npy) --output PATH
  [--num-images-per-prompt N] [--decoder-num-inference-steps N] [--super-res-num-inference-steps N]
  [--decoder-guidance-scale F] [--seed N] [--decoder-latents F.npy] [--super-res-latents F.npy]
  [--decoder-step-noise F.npy] [--super-res-step-noise F.npy] [--device auto|cpu|cuda]
  [--output-type png|npy] [--save-intermediates DIR] [--quiet]
images: PNG, JPEG or WebP. defaults: the package's own (_pipeline_defaults in model_index.json), otherwise steps 25/7, decoder guidance 8.0`;

async function readImage(file: string) {
  let bytes: Buffer;
  try {
    bytes = await readInputFile(file, "image"); // a regular file, read no further than its size
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError("unreadable_image", `--image: ${file}: ${code === "ENOENT" ? "no such file" : `cannot read (${code})`}`, { file });
  }
  try {
    return await decodeImage(bytes, file);
  } catch (err) {
    throw new InputError("unreadable_image", `--image: ${(err as Error).message}`, { file });
  }
}

export async function variationCommand(argv: string[], signal: AbortSignal): Promise<string> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    image: { type: "string", multiple: true, short: "i" },
    "image-embeddings": { type: "string" },
  });
  if (values.help) return VARIATION_USAGE + "\n";
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const files = values.image as string[] | undefined;
  if (!files && values["image-embeddings"] === undefined) throw new UsageError("--image FILE or --image-embeddings F.npy is required");
  if (files && values["image-embeddings"] !== undefined) throw new UsageError("give either --image or --image-embeddings, not both");
  const out = outputOptions(values);
  const images = files ? await Promise.all(files.map(readImage)) : undefined;
  const options = {
    image: images,
    imageEmbeddings: await readFloatNpy(values["image-embeddings"], "image-embeddings"),
    ...(await sharedPipelineOptions(values, out)),
  };
  return runPipeline(values, out, (components, hooks) => imageVariation(components, options, hooks), signal);
}
