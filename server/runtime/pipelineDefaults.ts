/**
 * A package's own pipeline defaults (issue #21): `model_index.json` may carry `_pipeline_defaults`, a
 * few of the pipeline call's arguments under diffusers' names, e.g. `{"prior_guidance_scale": 1.0}`.
 * They replace diffusers' defaults (Karlo's: prior guidance 4, decoder guidance 8, steps 25/25/7) for
 * that package wherever the caller leaves the argument out: the CLI, the API and the pipelines.
 *
 * Why a package needs them: guidance scales are properties of the trained weights, not of the
 * algorithm. The toy model's prior, guided at Karlo's 4, over-shoots its embeddings (a red circle on
 * blue comes out dark red); unguided (1) every attribute of its evaluation is right more often. This is what
 * InvokeAI calls a model's default settings. diffusers ignores model_index.json keys that start with
 * "_", so such a package still loads there.
 */
import path from "node:path";
import { z } from "zod";
import { PackageError } from "../errors";

const guidance = z.number().finite().min(0).max(100);
const steps = z.number().int().min(1).max(1000);

/** The arguments a package may set, under diffusers' names, each mapped to the pipelines' option name. */
const PipelineDefaultsField = z.strictObject({
  prior_guidance_scale: guidance.optional(),
  decoder_guidance_scale: guidance.optional(),
  prior_num_inference_steps: steps.optional(),
  decoder_num_inference_steps: steps.optional(),
  super_res_num_inference_steps: steps.optional(),
});

export interface PipelineDefaults {
  priorGuidanceScale?: number;
  decoderGuidanceScale?: number;
  priorNumInferenceSteps?: number;
  decoderNumInferenceSteps?: number;
  superResNumInferenceSteps?: number;
}

export const PIPELINE_DEFAULTS_KEY = "_pipeline_defaults";

const CAMEL: Record<keyof z.infer<typeof PipelineDefaultsField>, keyof PipelineDefaults> = {
  prior_guidance_scale: "priorGuidanceScale",
  decoder_guidance_scale: "decoderGuidanceScale",
  prior_num_inference_steps: "priorNumInferenceSteps",
  decoder_num_inference_steps: "decoderNumInferenceSteps",
  super_res_num_inference_steps: "superResNumInferenceSteps",
};

/** The package's defaults from its parsed model_index.json; {} when it sets none. A bad value names the file and key. */
export function readPipelineDefaults(dir: string, index: Readonly<Record<string, unknown>>): PipelineDefaults {
  const raw = index[PIPELINE_DEFAULTS_KEY];
  if (raw === undefined) return {};
  const parsed = PipelineDefaultsField.safeParse(raw);
  if (!parsed.success) {
    const file = path.join(dir, "model_index.json");
    const issue = parsed.error.issues[0];
    const where = [PIPELINE_DEFAULTS_KEY, ...issue.path.map(String)].join(".");
    const what =
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")} (known: ${Object.keys(CAMEL).join(", ")})`
        : issue.message;
    throw new PackageError("bad_config", `${file}: ${where}: ${what}`, { file });
  }
  const out: PipelineDefaults = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value !== undefined) out[CAMEL[key as keyof typeof CAMEL]] = value;
  }
  return out;
}

/** Only the defaults a pipeline takes (`keys`), so one with no prior never receives a prior setting. */
export function defaultsFor<K extends keyof PipelineDefaults>(defaults: PipelineDefaults, keys: readonly K[]): Pick<PipelineDefaults, K> {
  const out: Pick<PipelineDefaults, K> = {} as Pick<PipelineDefaults, K>;
  for (const k of keys) if (defaults[k] !== undefined) out[k] = defaults[k];
  return out;
}
