import { defineNode } from "../core/types";

export const previewImageNode = defineNode({
  type: "unclip.preview_image",
  version: 1,
  title: "Preview Image",
  category: "Output",
  description:
    "Shows the images on the node without saving them — handy for looking at an intermediate stage, such as the decoder's small image before super-resolution.",
  inputs: [{ name: "image", type: "IMAGE", label: "Image" }],
  outputs: [],
  params: [],
  output: true,
});
