import { classifierFreeGuidanceParam, guidanceParam, imagesPerPromptParam, seedParam } from "../core/params";
import { noiseInputs, noisyLatentsOutput, partialScheduleParams } from "../core/samplerPorts";
import { defineNode } from "../core/types";

export const priorNode = defineNode({
  type: "unclip.prior",
  version: 1,
  title: "Prior",
  category: "Sampling",
  description:
    'The prior answers "what would CLIP see in a picture of this text?": starting from random noise, a transformer denoises step by step towards a CLIP image embedding, conditioned on the text embedding and the per-token hidden states. Text and images live in the same CLIP space but not at the same spot, so this translation is learned. With classifier-free guidance each step is run twice, with and without the text, and the result is pushed away from the text-free guess by the guidance scale (4 in Karlo). The embedding is then un-normalised with the package\'s clip_mean/clip_std.',
  inputs: [
    { name: "prior", type: "PRIOR", label: "Prior" },
    { name: "scheduler", type: "SCHEDULER", label: "Scheduler" },
    { name: "text", type: "TEXT_EMBEDDING", label: "Text embedding" },
    ...noiseInputs("prior", "[images, embedding width]"),
  ],
  outputs: [{ name: "imageEmbedding", type: "IMAGE_EMBEDDING", label: "Image embedding" }, noisyLatentsOutput],
  explain: {
    formula: "x̂₀ = u + s·(c − u) with s = {params.guidanceScale};  x_{t−1} = a_t·x̂₀ + b_t·x_t + σ_t·z;  embedding = x₀·clip_std + clip_mean",
    text: 'This run took {trace.steps} steps from t = {trace.firstTimestep} to t = {trace.lastTimestep} with guidance scale {trace.guidanceScale}. The prior predicts the clean CLIP image embedding directly (prediction type "sample"); each step moves the noisy embedding part of the way towards that prediction. Its last prediction has cosine {trace.cosineToText} with the prompt\'s text embedding.',
  },
  params: [guidanceParam(4.0), imagesPerPromptParam(), seedParam(), classifierFreeGuidanceParam(), ...partialScheduleParams()],
});
