import { z } from "zod";
import { defineNode } from "../core/types";

export const noteNode = defineNode({
  type: "unclip.note",
  version: 1,
  title: "Note",
  category: "Utility",
  description: "A text note on the canvas, for explaining a workflow. It has no ports and never runs.",
  inputs: [],
  outputs: [],
  params: [{ name: "text", label: "Text", schema: z.string().max(20_000), default: "", widget: "textarea" }],
  executable: false,
});
