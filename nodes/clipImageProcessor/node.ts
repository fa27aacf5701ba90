import { defineNode } from "../core/types";

export const clipImageProcessorNode = defineNode({
  type: "unclip.clip_image_processor",
  version: 1,
  title: "CLIP Image Processor",
  category: "Image",
  description:
    "Gets a picture ready for the CLIP image encoder, exactly as transformers' CLIPImageProcessor does: resize so the short side matches the encoder (bicubic, on the 8-bit image), cut out the centre square, scale to 0–1 and normalise each colour channel with CLIP's mean and standard deviation. The output is the encoder's pixel values.",
  inputs: [
    { name: "imageProcessor", type: "IMAGE_PROCESSOR", label: "Image processor" },
    { name: "image", type: "IMAGE", label: "Image" },
  ],
  outputs: [{ name: "pixelValues", type: "LATENTS", label: "Pixel values" }],
  explain: {
    formula: "pixels = (resize_bicubic(image, shortest side) → centre crop → /255 − mean) / std",
    text: "The image became CLIP's input of shape {ports.pixelValues.shape} (mean {ports.pixelValues.mean}, std {ports.pixelValues.std}).",
  },
  params: [],
});
