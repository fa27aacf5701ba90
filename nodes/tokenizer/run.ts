import { InputError } from "../../server/errors";
import { tokenizePrompts } from "../../server/unclip/encodePrompt";
import { handleInput, stringOr } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import { tokenizerNode } from "./node";
import type { TokensValue } from "../engine/values";

const MAX_PROMPTS = 64;

/** The whole text as one prompt, or (batch) every non-empty line as its own. */
export function splitPrompts(text: string, batch: boolean): string[] {
  if (!batch) return [text];
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

export const tokenizerRunner = defineRunner(tokenizerNode, async (_ctx, inputs, p) => {
  const handle = handleInput(inputs, "tokenizer", "tokenizer", "the Tokenizer node");
  const prompts = splitPrompts(stringOr(inputs, "prompt", p.prompt), p.batch);
  if (prompts.length === 0) throw new InputError("missing_prompt", "prompt: with Batch on, write at least one non-empty line", { parameter: "prompt" });
  if (prompts.length > MAX_PROMPTS)
    throw new InputError("too_many_prompts", `prompt: at most ${MAX_PROMPTS} prompts, got ${prompts.length}`, { parameter: "prompt" });
  const tokens = await tokenizePrompts(handle.components, prompts, true);
  // as many "" rows as prompts: the text encoder then sees the same batch as in the pipeline
  const uncond = await tokenizePrompts(handle.components, new Array<string>(prompts.length).fill(""), true);
  const value: TokensValue = { kind: "tokens", prompts, ids: tokens.ids, mask: tokens.mask, uncondIds: uncond.ids, uncondMask: uncond.mask };
  const counts = prompts.map((_, i) => tokens.mask.data.subarray(i * tokens.mask.shape[1], (i + 1) * tokens.mask.shape[1]).reduce((s, v) => s + v, 0));
  return { outputs: { tokens: value }, ui: { text: `${prompts.length} prompt(s), ${counts.join(", ")} tokens of ${tokens.ids.shape[1]}` } };
});
