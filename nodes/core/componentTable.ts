/**
 * The parts of a model package a wire can carry, as data: the package loader and the
 * per-component loaders are generated from these tables. Browser-safe (./types only).
 */
import type { DataType } from "./types";

export interface ComponentRow {
  /** Which part (see nodes/values.ts HandleComponent). */
  key:
    "tokenizer" | "text_encoder" | "prior" | "text_proj" | "decoder" | "super_res" | "super_res_first" | "super_res_last" | "image_encoder" | "image_processor";
  /** Output port name and the id suffix of its loader ("unclip.load_<key>"). */
  port: string;
  type: DataType;
  label: string;
  /** What the part is, for the loader's description. */
  about: string;
}

export const COMPONENT_TABLE: readonly ComponentRow[] = [
  {
    key: "tokenizer",
    port: "tokenizer",
    type: "TOKENIZER",
    label: "Tokenizer",
    about: "the CLIP tokenizer, which splits text into the token ids the text encoder reads",
  },
  {
    key: "text_encoder",
    port: "textEncoder",
    type: "TEXT_ENCODER",
    label: "Text Encoder",
    about: "the CLIP text encoder, which turns token ids into a text embedding and per-token hidden states",
  },
  { key: "prior", port: "prior", type: "PRIOR", label: "Prior", about: "the prior, which predicts a CLIP image embedding from the text embedding" },
  {
    key: "text_proj",
    port: "textProj",
    type: "TEXT_PROJ",
    label: "Text Proj",
    about: "text_proj, which turns the image embedding and the text into the decoder's conditioning",
  },
  { key: "decoder", port: "decoder", type: "DECODER", label: "Decoder", about: "the decoder UNet, which paints a small image from the conditioning" },
  {
    key: "super_res",
    port: "superRes",
    type: "SUPER_RES",
    label: "Super-Res",
    about: "the two super-resolution UNets (first and last), which enlarge the decoder's image",
  },
  // diffusers' own component list has the two UNets apart; the pair above stays for older workflows
  {
    key: "super_res_first",
    port: "superResFirst",
    type: "SUPER_RES_FIRST",
    label: "Super-Res First",
    about: "super_res_first, the super-resolution UNet that runs every step but the last",
  },
  {
    key: "super_res_last",
    port: "superResLast",
    type: "SUPER_RES_LAST",
    label: "Super-Res Last",
    about: "super_res_last, the super-resolution UNet that takes the last, almost noise-free step",
  },
  {
    key: "image_encoder",
    port: "imageEncoder",
    type: "IMAGE_ENCODER",
    label: "Image Encoder",
    about: "the CLIP image encoder, which turns a picture into a CLIP image embedding",
  },
  {
    key: "image_processor",
    port: "imageProcessor",
    type: "IMAGE_PROCESSOR",
    label: "Image Processor",
    about: "the CLIP image preprocessing settings (resize, centre crop, normalise)",
  },
];

export interface SchedulerRow {
  which: "prior" | "decoder" | "super_res";
  port: string;
  label: string;
  /** The reference pipeline's default step count for this stage. */
  defaultSteps: number;
}

export const SCHEDULER_TABLE: readonly SchedulerRow[] = [
  { which: "prior", port: "priorScheduler", label: "Prior scheduler", defaultSteps: 25 },
  { which: "decoder", port: "decoderScheduler", label: "Decoder scheduler", defaultSteps: 25 },
  { which: "super_res", port: "superResScheduler", label: "Super-res scheduler", defaultSteps: 7 },
];
