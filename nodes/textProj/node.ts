import { classifierFreeGuidanceParam } from "../core/params";
import { defineNode } from "../core/types";

export const textProjNode = defineNode({
  type: "unclip.text_proj",
  version: 1,
  title: "Text Proj",
  category: "Sampling",
  description:
    "Prepares what the decoder listens to. text_proj projects the CLIP image embedding into a few extra context tokens placed before the text's hidden states, and mixes the image embedding with the pooled text embedding into a vector added to the decoder's timestep embedding. With classifier-free guidance it also builds the unconditional half from a learned \"no image\" embedding and the empty prompt. Text rows are repeated to match the number of image embeddings.",
  inputs: [
    { name: "textProj", type: "TEXT_PROJ", label: "Text proj" },
    { name: "text", type: "TEXT_EMBEDDING", label: "Text embedding" },
    { name: "imageEmbedding", type: "IMAGE_EMBEDDING", label: "Image embedding" },
  ],
  outputs: [{ name: "conditioning", type: "DECODER_CONDITIONING", label: "Decoder conditioning" }],
  explain: {
    formula: "context = [4 tokens from the image embedding; text hidden states];  class = time-embedding + W·embedding",
    text: 'text_proj turned the image embedding into the decoder\'s conditioning: extra context tokens and an additive embedding, shape {ports.conditioning.shape}. With guidance on, the first half of the batch uses the learned "unconditional" embedding.',
  },
  params: [classifierFreeGuidanceParam()],
});
