/** `unclip generate`: text → image (diffusers' UnCLIPPipeline). */
import { UsageError, floatFlag, intFlag, parse } from "./args";
import { COMMON_OPTIONS, loadComponents, outputOptions, readBoolNpy, readFloatNpy, summary, writeOutputs } from "./common";
import { createProgressReporter } from "./progress";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { InputError } from "../../server/errors";

export const GENERATE_USAGE = `usage: unclip generate [--model DIR] --prompt TEXT [--prompt TEXT …] --output PATH
  [--num-images-per-prompt N] [--prior-num-inference-steps N] [--decoder-num-inference-steps N]
  [--super-res-num-inference-steps N] [--prior-guidance-scale F] [--decoder-guidance-scale F] [--seed N]
  [--prior-latents F.npy] [--decoder-latents F.npy] [--super-res-latents F.npy]
  [--prior-step-noise F.npy] [--decoder-step-noise F.npy] [--super-res-step-noise F.npy]
  [--text-model-output TEXT_EMBEDS.npy,LAST_HIDDEN_STATE.npy --text-attention-mask MASK.npy]
  [--device auto|cpu|cuda] [--output-type png|npy] [--save-intermediates DIR] [--quiet]
defaults: steps 25/25/7, prior guidance 4.0, decoder guidance 8.0, model models/toy-shapes`;

export async function generateCommand(argv: string[], signal: AbortSignal): Promise<string> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    prompt: { type: "string", multiple: true, short: "p" },
    "prior-num-inference-steps": { type: "string" },
    "prior-guidance-scale": { type: "string" },
    "prior-latents": { type: "string" },
    "prior-step-noise": { type: "string" },
    "text-model-output": { type: "string" },
    "text-attention-mask": { type: "string" },
  });
  if (values.help) return GENERATE_USAGE + "\n";
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (quote a prompt and pass it with --prompt)`);
  const prompts = values.prompt as string[] | undefined;
  const tmo = values["text-model-output"] as string | undefined;
  if (!prompts && !tmo) throw new UsageError("--prompt TEXT is required (or --text-model-output with --text-attention-mask)");
  if (prompts && tmo) throw new UsageError("give either --prompt or --text-model-output, not both");
  const out = outputOptions(values);
  let textModelOutput;
  if (tmo) {
    const parts = tmo.split(",");
    if (parts.length !== 2) throw new UsageError("--text-model-output takes two files: TEXT_EMBEDS.npy,LAST_HIDDEN_STATE.npy");
    textModelOutput = {
      textEmbeds: (await readFloatNpy(parts[0], "text-model-output"))!,
      lastHiddenState: (await readFloatNpy(parts[1], "text-model-output"))!,
    };
    if (values["text-attention-mask"] === undefined) throw new UsageError("--text-model-output needs --text-attention-mask MASK.npy");
  }
  const options = {
    prompt: prompts,
    numImagesPerPrompt: intFlag(values["num-images-per-prompt"], "num-images-per-prompt", 1),
    priorNumInferenceSteps: intFlag(values["prior-num-inference-steps"], "prior-num-inference-steps", 1),
    decoderNumInferenceSteps: intFlag(values["decoder-num-inference-steps"], "decoder-num-inference-steps", 1),
    superResNumInferenceSteps: intFlag(values["super-res-num-inference-steps"], "super-res-num-inference-steps", 1),
    priorGuidanceScale: floatFlag(values["prior-guidance-scale"], "prior-guidance-scale"),
    decoderGuidanceScale: floatFlag(values["decoder-guidance-scale"], "decoder-guidance-scale"),
    seed: intFlag(values.seed, "seed", 0),
    priorLatents: await readFloatNpy(values["prior-latents"], "prior-latents"),
    decoderLatents: await readFloatNpy(values["decoder-latents"], "decoder-latents"),
    superResLatents: await readFloatNpy(values["super-res-latents"], "super-res-latents"),
    priorStepNoise: await readFloatNpy(values["prior-step-noise"], "prior-step-noise"),
    decoderStepNoise: await readFloatNpy(values["decoder-step-noise"], "decoder-step-noise"),
    superResStepNoise: await readFloatNpy(values["super-res-step-noise"], "super-res-step-noise"),
    textModelOutput,
    textAttentionMask: await readBoolNpy(values["text-attention-mask"], "text-attention-mask"),
    recordIntermediates: out.intermediatesDir !== undefined,
  };
  if (options.textAttentionMask && !textModelOutput) {
    throw new InputError("bad_usage", "--text-attention-mask is only used with --text-model-output", { parameter: "textAttentionMask" });
  }
  const components = await loadComponents(values);
  const progress = createProgressReporter(Boolean(values.quiet));
  try {
    const result = await text2image(components, options, { onProgress: progress.onProgress, signal });
    const written = await writeOutputs(result, out);
    if (!values.quiet) process.stderr.write(summary(result, written));
    return written.join("\n") + "\n";
  } finally {
    progress.stop();
    await components.pool.release();
  }
}
