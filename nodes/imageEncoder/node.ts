import { imagesPerPromptParam } from "../core/params";
import { defineNode } from "../core/types";

export const imageEncoderNode = defineNode({
  type: "unclip.image_encoder",
  version: 1,
  title: "Image Encoder",
  category: "Image",
  description:
    "Runs the CLIP image encoder: a vision transformer that sums a picture up as one embedding, in the same space the prior produces from text. Feeding it to Text Proj instead of a prior's output gives variations of the picture — new images CLIP would describe the same way. Each embedding is repeated once per image to make.",
  inputs: [
    { name: "imageEncoder", type: "IMAGE_ENCODER", label: "Image encoder" },
    { name: "pixelValues", type: "LATENTS", label: "Pixel values" },
  ],
  outputs: [{ name: "imageEmbedding", type: "IMAGE_EMBEDDING", label: "Image embedding" }],
  explain: {
    formula: "embedding = projection(vision transformer(pixel values))",
    text: "The CLIP image embedding of the input image, shape {ports.imageEmbedding.shape}; in a variation it replaces what the prior would have predicted from text.",
  },
  params: [imagesPerPromptParam()],
});
