import { defineNode } from "../core/types";

export const HISTOGRAM_BINS = 32;

export const tensorInspectorNode = defineNode({
  type: "unclip.tensor_inspector",
  version: 1,
  title: "Tensor Inspector",
  category: "Output",
  description:
    "Looks inside whatever is connected: for every tensor it holds, the shape, the number type, the smallest and largest values, the mean and standard deviation (of the finite values; population formula), how many values are not finite, and a 32-bin histogram. Noise should look like a bell curve around 0 with spread 1; a clean image sits in [−1, 1]. Images, and tensors shaped like an image batch, are also shown as pictures.",
  inputs: [{ name: "value", type: "*", label: "Value" }],
  outputs: [],
  params: [],
  output: true,
});
