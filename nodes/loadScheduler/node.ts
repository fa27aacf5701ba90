import { z } from "zod";
import { SCHEDULER_TABLE } from "../core/componentTable";
import { packageParam } from "../core/params";
import { defineNode } from "../core/types";

export const loadSchedulerNode = defineNode({
  type: "unclip.load_scheduler",
  version: 1,
  title: "Load Scheduler",
  category: "Loaders",
  description:
    "Loads one of a package's three UnCLIPSchedulers: the noise schedule (how much noise each of the 1000 training timesteps holds) and how each denoising step turns a prediction into a slightly less noisy sample. The output carries the reference step count for that stage (prior 25, decoder 25, super-res 7); put a Scheduler node after it to change the steps or options.",
  inputs: [],
  outputs: [{ name: "scheduler", type: "SCHEDULER", label: "Scheduler" }],
  params: [
    packageParam(),
    {
      name: "which",
      label: "Which",
      description: "The stage whose scheduler to load.",
      schema: z.enum(SCHEDULER_TABLE.map((r) => r.which) as ["prior", "decoder", "super_res"]),
      default: "decoder",
      widget: "select",
      options: SCHEDULER_TABLE.map((r) => r.which),
    },
  ],
});
