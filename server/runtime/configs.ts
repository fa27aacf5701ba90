/**
 * The parts of each component's config that the pipelines depend on. Schemas are lenient
 * (unknown keys pass) because the files are whatever diffusers/transformers `save_pretrained` wrote.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const TextEncoderConfig = z.looseObject({
  hidden_size: positiveInt,
  projection_dim: positiveInt,
  max_position_embeddings: positiveInt,
  vocab_size: positiveInt,
});

export const PriorConfig = z.looseObject({
  embedding_dim: positiveInt,
  num_embeddings: positiveInt,
  additional_embeddings: z.number().int().nonnegative().optional(),
  encoder_hid_proj_type: z.string().nullable().optional(),
});

export const TextProjConfig = z.looseObject({
  clip_embeddings_dim: positiveInt,
  clip_extra_context_tokens: z.number().int().nonnegative(),
  cross_attention_dim: positiveInt,
  time_embed_dim: positiveInt,
});

export const DecoderConfig = z.looseObject({
  sample_size: positiveInt,
  in_channels: positiveInt,
  out_channels: positiveInt,
  cross_attention_dim: positiveInt,
  block_out_channels: z.array(positiveInt).min(1),
  time_embedding_dim: positiveInt.nullable().optional(),
  class_embed_type: z.string().nullable().optional(),
});

export const SuperResConfig = z.looseObject({
  sample_size: positiveInt,
  in_channels: positiveInt,
  out_channels: positiveInt,
});

export const ImageEncoderConfig = z.looseObject({
  image_size: positiveInt,
  num_channels: positiveInt.optional(),
  projection_dim: positiveInt,
});

const sizeDict = z.union([z.object({ shortest_edge: positiveInt }), z.object({ height: positiveInt, width: positiveInt })]);

export const FeatureExtractorConfig = z.looseObject({
  do_resize: z.boolean().default(true),
  size: z.union([positiveInt, sizeDict]),
  resample: z.number().int().default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: z.union([positiveInt, z.object({ height: positiveInt, width: positiveInt })]),
  do_rescale: z.boolean().default(true),
  rescale_factor: z
    .number()
    .positive()
    .default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: z.array(z.number()).length(3),
  image_std: z.array(z.number().positive()).length(3),
  do_convert_rgb: z.boolean().default(true),
});

export const ModelIndex = z.looseObject({
  _class_name: z.string(),
});

export type TextEncoderConfig = z.infer<typeof TextEncoderConfig>;
export type PriorConfig = z.infer<typeof PriorConfig>;
export type TextProjConfig = z.infer<typeof TextProjConfig>;
export type DecoderConfig = z.infer<typeof DecoderConfig>;
export type SuperResConfig = z.infer<typeof SuperResConfig>;
export type ImageEncoderConfig = z.infer<typeof ImageEncoderConfig>;
export type FeatureExtractorConfig = z.infer<typeof FeatureExtractorConfig>;
