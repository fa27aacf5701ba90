/**
 * Text side of both pipelines (diffusers' `_encode_prompt`), as composable pieces:
 * tokenize → encode → arrange rows. Arranging repeats every row `numImagesPerPrompt` times and,
 * with classifier-free guidance, puts the unconditional ("") rows first: [uncond; cond].
 * The pipelines use `encodePrompt` (all three in one); the node library calls the pieces one by one.
 */
import { InputError } from "../errors";
import type { UnclipComponents } from "./components";
import type { Recorder } from "./progress";
import type { BoolNdArray, Float32NdArray, Int64NdArray } from "./tensor";
import { bool, concatBatch, int64, repeatInterleaveBatch, sameShape, shapeString } from "./tensor";

/** Text-encoder outputs for a batch of prompts, one row per prompt. */
export interface TextRows {
  /** Pooled CLIP text embeddings, [B, D]. */
  promptEmbeds: Float32NdArray;
  /** Text encoder last hidden state, [B, L, H]. */
  hiddenStates: Float32NdArray;
  /** Tokenizer attention mask, [B, L]. */
  mask: BoolNdArray;
}

export interface TextConditioning extends TextRows {
  /** Whether the rows are [uncond; cond] (then every tensor has 2B rows). */
  cfg: boolean;
  /** Images to generate (rows of the conditional half). */
  batch: number;
}

/** Pre-computed text embeddings (diffusers' `text_model_output` + `text_attention_mask`). */
export interface TextModelOutput {
  textEmbeds: Float32NdArray;
  lastHiddenState: Float32NdArray;
}

export interface PromptTokens {
  ids: Int64NdArray;
  mask: BoolNdArray;
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

/** Tokenize with padding to the model length (CLIP's `padding="max_length"`). */
export async function tokenizePrompts(components: UnclipComponents, texts: string[], truncation = true): Promise<PromptTokens> {
  const tokenizer = await components.tokenizer();
  const enc = tokenizer.encodeBatch(texts, { padding: "max_length", truncation });
  return { ids: int64(enc.shape, enc.inputIds), mask: bool(enc.shape, enc.attentionMask) };
}

/** Run the CLIP text encoder on tokens: one row of embeddings and hidden states per prompt. */
export async function encodeTokens(components: UnclipComponents, tokens: PromptTokens): Promise<TextRows> {
  const out = await components.textEncoder(tokens.ids);
  return { promptEmbeds: out.textEmbeds, hiddenStates: out.lastHiddenState, mask: tokens.mask };
}

/**
 * Repeat every row `numImagesPerPrompt` times and, with guidance, put the unconditional rows first.
 * `uncond` has as many rows as `cond` (every row is "", so repeat and repeat_interleave agree).
 */
export function arrangeTextRows(cond: TextRows, uncond: TextRows | undefined, numImagesPerPrompt: number, cfg: boolean): TextConditioning {
  const n = numImagesPerPrompt;
  const batch = cond.promptEmbeds.shape[0] * n;
  const repeated: TextRows = {
    promptEmbeds: repeatInterleaveBatch(cond.promptEmbeds, n),
    hiddenStates: repeatInterleaveBatch(cond.hiddenStates, n),
    mask: repeatInterleaveBatch(cond.mask, n),
  };
  if (!cfg) return { ...repeated, cfg, batch };
  if (!uncond) throw new Error("arrangeTextRows: classifier-free guidance needs the unconditional rows");
  return {
    promptEmbeds: concatBatch([repeatInterleaveBatch(uncond.promptEmbeds, n), repeated.promptEmbeds]),
    hiddenStates: concatBatch([repeatInterleaveBatch(uncond.hiddenStates, n), repeated.hiddenStates]),
    mask: concatBatch([repeatInterleaveBatch(uncond.mask, n), repeated.mask]),
    cfg,
    batch,
  };
}

function maskAsInt64(mask: BoolNdArray) {
  return int64(
    mask.shape,
    BigInt64Array.from(mask.data, (v) => BigInt(v)),
  );
}

function checkTextModelOutput(components: UnclipComponents, o: EncodePromptOptions): TextRows {
  const { textEmbeds, lastHiddenState } = o.textModelOutput!;
  const batch0 = textEmbeds.shape[0];
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
  return { promptEmbeds: textEmbeds, hiddenStates: lastHiddenState, mask: o.textAttentionMask };
}

export async function encodePrompt(components: UnclipComponents, o: EncodePromptOptions, record?: Recorder): Promise<TextConditioning> {
  let cond: TextRows;
  if (o.textModelOutput) {
    cond = checkTextModelOutput(components, o);
  } else {
    const prompts = o.prompts ?? [];
    if (prompts.length === 0) throw new InputError("missing_prompt", "prompt: give at least one prompt (or textModelOutput)", { parameter: "prompt" });
    const tokens = await tokenizePrompts(components, prompts, o.truncation ?? true);
    if (record) {
      record.input_ids = tokens.ids;
      record.attention_mask = maskAsInt64(tokens.mask);
    }
    cond = await encodeTokens(components, tokens);
  }
  let uncond: TextRows | undefined;
  if (o.cfg) {
    const batch0 = cond.promptEmbeds.shape[0];
    const tokens = await tokenizePrompts(components, new Array<string>(batch0).fill(""), true);
    if (record) {
      record.uncond_input_ids = tokens.ids;
      record.uncond_attention_mask = maskAsInt64(tokens.mask);
    }
    uncond = await encodeTokens(components, tokens);
  }
  const text = arrangeTextRows(cond, uncond, o.numImagesPerPrompt, o.cfg);
  if (record) {
    record.text_embeds = text.promptEmbeds;
    record.text_encoder_hidden_states = text.hiddenStates;
    record.text_mask = text.mask;
  }
  return text;
}
