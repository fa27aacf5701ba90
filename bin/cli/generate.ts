/** `unclip generate`: text → image (diffusers' UnCLIPPipeline). */
import { UsageError, intFlag, parse } from "./args";
import { COMMON_OPTIONS, outputOptions, readBoolNpy, readFloatNpy, runPipeline, sharedPipelineOptions } from "./common";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { InputError } from "../../server/errors";
import { checkPrompts, guidanceFlag } from "./guards";

export const GENERATE_USAGE = `usage: unclip generate [--model DIR] --prompt TEXT [--prompt TEXT …] --output PATH
  [--num-images-per-prompt N] [--prior-num-inference-steps N] [--decoder-num-inference-steps N]
  [--super-res-num-inference-steps N] [--prior-guidance-scale F] [--decoder-guidance-scale F] [--seed N]
  [--prior-latents F.npy] [--decoder-latents F.npy] [--super-res-latents F.npy]
  [--prior-step-noise F.npy] [--decoder-step-noise F.npy] [--super-res-step-noise F.npy]
  [--text-model-output TEXT_EMBEDS.npy,LAST_HIDDEN_STATE.npy --text-attention-mask MASK.npy]
  [--device auto|cpu|cuda] [--output-type png|npy] [--save-intermediates DIR] [--quiet]
defaults: the package's own where its model_index.json sets _pipeline_defaults (models/toy-shapes: prior
  guidance 1), otherwise diffusers': steps 25/25/7, prior guidance 4.0, decoder guidance 8.0; model models/toy-shapes`;

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
  checkPrompts(prompts);
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
    ...(await sharedPipelineOptions(values, out)),
    prompt: prompts,
    priorNumInferenceSteps: intFlag(values["prior-num-inference-steps"], "prior-num-inference-steps", 1),
    priorGuidanceScale: guidanceFlag(values["prior-guidance-scale"], "prior-guidance-scale"),
    priorLatents: await readFloatNpy(values["prior-latents"], "prior-latents"),
    priorStepNoise: await readFloatNpy(values["prior-step-noise"], "prior-step-noise"),
    textModelOutput,
    textAttentionMask: await readBoolNpy(values["text-attention-mask"], "text-attention-mask"),
  };
  if (options.textAttentionMask && !textModelOutput) {
    throw new InputError("bad_usage", "--text-attention-mask is only used with --text-model-output", { parameter: "textAttentionMask" });
  }
  return runPipeline(values, out, (components, hooks) => text2image(components, options, hooks), signal);
}
