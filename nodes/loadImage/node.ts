import { z } from "zod";
import { defineNode } from "../core/types";

export const LOAD_IMAGE_LIMITS = { maxBytes: 20 * 1024 * 1024, maxSide: 4096 } as const;

export const loadImageNode = defineNode({
  type: "unclip.load_image",
  version: 1,
  title: "Load Image",
  category: "Image",
  description:
    'Reads an uploaded picture (PNG, JPEG or WebP, up to 20 MB and 4096 px a side) as 8-bit RGB, the way PIL\'s convert("RGB") sees it: transparency is dropped and only the first frame of an animation is used. The exact 8-bit pixels travel with the image, so CLIP preprocessing gives the same numbers as the reference pipeline.',
  inputs: [],
  outputs: [{ name: "image", type: "IMAGE", label: "Image" }],
  params: [
    {
      name: "image",
      label: "Image",
      description: "An uploaded file, or a shipped example: example:red-ring.png, example:yellow-star.png or example:green-square.png (public/examples).",
      schema: z.string().max(255),
      default: "",
      widget: "image",
    },
  ],
});
