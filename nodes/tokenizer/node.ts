import { z } from "zod";
import { defineNode } from "../core/types";

export const tokenizerNode = defineNode({
  type: "unclip.tokenizer",
  version: 1,
  title: "Tokenizer",
  category: "Text",
  description:
    'Splits the prompt into tokens — pieces of words from CLIP\'s vocabulary — and turns them into numbers, padded to the model\'s fixed length (77 for Karlo) with a mask marking which positions are real. It also tokenizes the empty prompt "", which classifier-free guidance uses as the "no text" reference. With Batch on, each line is a separate prompt.',
  inputs: [
    { name: "tokenizer", type: "TOKENIZER", label: "Tokenizer" },
    { name: "prompt", type: "STRING", label: "Prompt", optional: true, description: "Overrides the Prompt parameter when connected." },
  ],
  outputs: [{ name: "tokens", type: "TOKENS", label: "Tokens" }],
  explain: {
    formula: "ids = BPE(clean(lowercase(prompt))), wrapped as ⟨start⟩ ids ⟨end⟩ and padded to the model's length",
    text: "This run turned the prompt into token ids of shape {ports.tokens.shape}: one row per prompt, padded with the end token; the attention mask marks the real tokens.",
  },
  params: [
    {
      name: "prompt",
      label: "Prompt",
      schema: z.string().max(20_000),
      default: "a large red circle in the centre on a blue background",
      widget: "textarea",
    },
    {
      name: "batch",
      label: "Batch (one prompt per line)",
      description: "Off: the whole text is one prompt. On: every non-empty line is its own prompt.",
      schema: z.boolean(),
      default: false,
      widget: "toggle",
    },
  ],
});
