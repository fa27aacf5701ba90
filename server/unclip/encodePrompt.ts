/**
 * Text side of both pipelines (diffusers' `_encode_prompt`): tokenize, run the CLIP text
 * encoder, repeat every row `numImagesPerPrompt` times, and with classifier-free guidance put
 * the unconditional ("") rows first: [uncond; cond].
 */
import { InputError } from "../errors";
import type { UnclipComponents } from "./components";
import type { Recorder } from "./progress";
import type { BoolNdArray, Float32NdArray } from "./tensor";
import { bool, concatBatch, int64, repeatInterleaveBatch, sameShape, shapeString } from "./tensor";

export interface TextConditioning {
  /** Pooled CLIP text embeddings, [B or 2B, D]. */
  promptEmbeds: Float32NdArray;
  /** Text encoder last hidden state, [B or 2B, L, H]. */
  hiddenStates: Float32NdArray;
  /** Tokenizer attention mask, [B or 2B, L]. */
  mask: BoolNdArray;
  /** Whether the rows are [uncond; cond]. */
  cfg: boolean;
  /** Images to generate (rows of the conditional half). */
  batch: number;
}

/** Pre-computed text embeddings (diffusers' `text_model_output` + `text_attention_mask`). */
export interface TextModelOutput {
  textEmbeds: Float32NdArray;
  lastHiddenState: Float32NdArray;
}

export interface EncodePromptOptions {
  prompts?: string[];
  textModelOutput?: TextModelOutput;
  textAttentionMask?: BoolNdArray;
  numImagesPerPrompt: number;
  cfg: boolean;
  /** text→image truncates to the model length; the variation pipeline's call does not ask to. */
  truncation?: boolean;
}

async function tokenizeAndEncode(components: UnclipComponents, texts: string[], truncation: boolean) {
  const tokenizer = await components.tokenizer();
  const enc = tokenizer.encodeBatch(texts, { padding: "max_length", truncation });
  const ids = int64(enc.shape, enc.inputIds);
  const mask = bool(enc.shape, enc.attentionMask);
  const out = await components.textEncoder(ids);
  return { ids, mask, ...out };
}

function maskAsInt64(mask: BoolNdArray) {
  return int64(mask.shape, BigInt64Array.from(mask.data, (v) => BigInt(v)));
}

export async function encodePrompt(components: UnclipComponents, o: EncodePromptOptions, record?: Recorder): Promise<TextConditioning> {
  let promptEmbeds: Float32NdArray;
  let hiddenStates: Float32NdArray;
  let mask: BoolNdArray;
  let batch0: number;
  if (o.textModelOutput) {
    const { textEmbeds, lastHiddenState } = o.textModelOutput;
    batch0 = textEmbeds.shape[0];
    if (!o.textAttentionMask) {
      throw new InputError("missing_mask", "textAttentionMask is required with textModelOutput", { parameter: "textAttentionMask" });
    }
    const te = components.pkg.configs.text_encoder!;
    const expect = (name: string, t: { shape: number[] }, shape: number[]) => {
      if (!sameShape(t.shape, shape)) {
        throw new InputError("embedding_shape", `${name}: got shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`, { parameter: name });
      }
    };
    expect("textModelOutput.textEmbeds", textEmbeds, [batch0, te.projection_dim]);
    expect("textModelOutput.lastHiddenState", lastHiddenState, [batch0, te.max_position_embeddings, te.hidden_size]);
    expect("textAttentionMask", o.textAttentionMask, [batch0, te.max_position_embeddings]);
    promptEmbeds = textEmbeds;
    hiddenStates = lastHiddenState;
    mask = o.textAttentionMask;
  } else {
    const prompts = o.prompts ?? [];
    if (prompts.length === 0) throw new InputError("missing_prompt", "prompt: give at least one prompt (or textModelOutput)", { parameter: "prompt" });
    batch0 = prompts.length;
    const enc = await tokenizeAndEncode(components, prompts, o.truncation ?? true);
    if (record) {
      record.input_ids = enc.ids;
      record.attention_mask = maskAsInt64(enc.mask);
    }
    promptEmbeds = enc.textEmbeds;
    hiddenStates = enc.lastHiddenState;
    mask = enc.mask;
  }
  const n = o.numImagesPerPrompt;
  promptEmbeds = repeatInterleaveBatch(promptEmbeds, n);
  hiddenStates = repeatInterleaveBatch(hiddenStates, n);
  mask = repeatInterleaveBatch(mask, n);

  if (o.cfg) {
    const uncond = await tokenizeAndEncode(components, new Array<string>(batch0).fill(""), true);
    if (record) {
      record.uncond_input_ids = uncond.ids;
      record.uncond_attention_mask = maskAsInt64(uncond.mask);
    }
    // every unconditional row is the same "", so repeat and repeat_interleave agree
    promptEmbeds = concatBatch([repeatInterleaveBatch(uncond.textEmbeds, n), promptEmbeds]);
    hiddenStates = concatBatch([repeatInterleaveBatch(uncond.lastHiddenState, n), hiddenStates]);
    mask = concatBatch([repeatInterleaveBatch(uncond.mask, n), mask]);
  }
  if (record) {
    record.text_embeds = promptEmbeds;
    record.text_encoder_hidden_states = hiddenStates;
    record.text_mask = mask;
  }
  return { promptEmbeds, hiddenStates, mask, cfg: o.cfg, batch: batch0 * n };
}
