import { defineNode } from "../core/types";

export const textEncoderNode = defineNode({
  type: "unclip.text_encoder",
  version: 1,
  title: "Text Encoder",
  category: "Text",
  description:
    "Runs the CLIP text encoder, a transformer that reads the tokens and produces two things: one pooled embedding per prompt (a single vector that sums up its meaning, in the same space CLIP uses for images) and a hidden state for every token (the detail the decoder attends to). It encodes the prompts and the empty prompt, so later nodes can use classifier-free guidance.",
  inputs: [
    { name: "textEncoder", type: "TEXT_ENCODER", label: "Text encoder" },
    { name: "tokens", type: "TOKENS", label: "Tokens" },
  ],
  outputs: [{ name: "embedding", type: "TEXT_EMBEDDING", label: "Text embedding" }],
  explain: {
    formula: "embedding = projection(hidden state at the end token); hidden states = the transformer's last layer",
    text: "The pooled text embedding came out with shape {ports.embedding.shape} (mean {ports.embedding.mean}, std {ports.embedding.std}); the prior and the decoder read it together with every token's hidden state.",
  },
  params: [],
});
