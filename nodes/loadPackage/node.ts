import { COMPONENT_TABLE, SCHEDULER_TABLE } from "../core/componentTable";
import { packageParam } from "../core/params";
import { defineNode, type PortSpec } from "../core/types";

const componentPorts: PortSpec[] = COMPONENT_TABLE.map((row) => ({ name: row.port, type: row.type, label: row.label }));
const schedulerPorts: PortSpec[] = SCHEDULER_TABLE.map((row) => ({
  name: row.port,
  type: "SCHEDULER",
  label: row.label,
  description: `The package's ${row.which.replace("_", "-")} scheduler, set to ${row.defaultSteps} steps (the reference default).`,
}));

export const loadPackageNode = defineNode({
  type: "unclip.load_package",
  version: 1,
  title: "Load Model Package",
  category: "Loaders",
  description:
    "Opens a model package (a folder of ONNX graphs and configs) and hands out every part of it: the tokenizer and text encoder that read the prompt, the prior that imagines an image embedding, text_proj and the decoder that paint a small picture, the two super-resolution networks that enlarge it, the image encoder and its preprocessing for variations, and the three noise schedulers. Graphs are loaded on first use and shared between runs. A part the package lacks fails only when a node tries to use it.",
  inputs: [],
  outputs: [...componentPorts, ...schedulerPorts],
  params: [packageParam()],
});
