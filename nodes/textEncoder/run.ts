import { textEncoderNode } from "./node";
import { InputError } from "../../server/errors";
import { encodeTokens } from "../../server/unclip/encodePrompt";
import { shapeString } from "../../server/unclip/tensor";
import { handleInput, kindInput } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import type { TextEmbeddingValue, TokensValue } from "../engine/values";

export const textEncoderRunner = defineRunner(textEncoderNode, async (_ctx, inputs) => {
  const handle = handleInput(inputs, "textEncoder", "text_encoder", "the Text Encoder node");
  const tokens = kindInput<"tokens", TokensValue>(inputs, "tokens", "tokens", "tokens");
  const length = handle.components.pkg.configs.text_encoder!.max_position_embeddings;
  if (tokens.ids.shape[1] !== length) {
    throw new InputError(
      "token_length",
      `tokens: ${shapeString(tokens.ids.shape)} tokens, but this text encoder reads ${length} per prompt (tokenizer and text encoder come from different packages?)`,
      { port: "tokens" },
    );
  }
  const cond = await encodeTokens(handle.components, { ids: tokens.ids, mask: tokens.mask });
  const uncond = await encodeTokens(handle.components, { ids: tokens.uncondIds, mask: tokens.uncondMask });
  const embedding: TextEmbeddingValue = { kind: "text_embedding", cond, uncond };
  return { outputs: { embedding }, ui: { text: `${shapeString(cond.promptEmbeds.shape)} pooled, ${shapeString(cond.hiddenStates.shape)} hidden` } };
});
