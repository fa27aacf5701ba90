/** Bypass and mute: how the shared graph rules rewrite the plan (nodes/core/nodeModes.ts). */
import { describe, expect, it } from "vitest";
import { checkWorkflow } from "../../nodes/core/graphRules";
import { resolveModes } from "../../nodes/core/nodeModes";
import { specPortType } from "../../nodes/core/paramInputs";
import { WORKFLOW_FORMAT, WORKFLOW_VERSION } from "../../nodes/core/workflow";
import { templateByName } from "../../nodes/core/templates";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import { registry } from "./helpers";

const declarationOf = (type: string) => registry.declaration(type);

function textToImage(modes: Record<string, "bypass" | "mute">): Workflow {
  const wf = parseWorkflow(JSON.stringify(templateByName("Text to image")));
  for (const n of wf.nodes) if (modes[n.id]) n.mode = modes[n.id];
  return wf;
}

describe("node modes", () => {
  it("leaves a workflow without modes as it is", () => {
    const wf = textToImage({});
    expect(resolveModes(wf, declarationOf)).toEqual({ workflow: wf, skipped: [] });
  });

  it("bypasses Super-Res: Save Image takes the decoder's image, and the plan says so", () => {
    const { errors, plan } = checkWorkflow(textToImage({ superRes: "bypass" }), declarationOf);
    expect(errors).toEqual([]);
    expect(plan!.order.map((n) => n.id)).not.toContain("superRes");
    expect(plan!.order.find((n) => n.id === "save")!.inputs.image).toEqual({ node: "decoder", port: "image" });
    expect(plan!.skipped).toEqual([{ nodeId: "superRes", reason: "bypass", via: { image: { node: "decoder", port: "image" }, noisyLatents: null } }]);
    // the super-res scheduler fed only the bypassed node: nothing needs it now
    expect(plan!.order.map((n) => n.id)).not.toContain("superResScheduler");
  });

  it("follows a chain of bypassed nodes", () => {
    const { plan } = checkWorkflow(textToImage({ superRes: "bypass", decoder: "bypass" }), declarationOf);
    // the decoder has no IMAGE input: nothing stands in for its image, so Save Image is left unfed
    expect(plan).toBeUndefined();
    const { errors } = checkWorkflow(textToImage({ superRes: "bypass", decoder: "bypass" }), declarationOf);
    expect(errors.some((e) => e.code === "missing_input" && e.nodeId === "save")).toBe(true);
  });

  it("mutes a node and everything that cannot run without it", () => {
    const wf = textToImage({ superRes: "mute" });
    const { workflow, skipped } = resolveModes(wf, declarationOf);
    expect(skipped).toEqual([
      { nodeId: "superRes", reason: "mute" },
      { nodeId: "save", reason: "muted-input" },
    ]);
    expect(workflow.nodes.map((n) => n.id)).not.toContain("save");
    // the decoder's preview still runs
    const { errors, plan } = checkWorkflow(wf, declarationOf);
    expect(errors).toEqual([]);
    expect(plan!.outputNodes).toEqual(["preview"]);
  });

  it("says so when muting leaves no output node", () => {
    const { errors } = checkWorkflow(textToImage({ decoder: "mute" }), declarationOf);
    expect(errors.map((e) => e.code)).toEqual(["no_output"]);
    expect(errors[0].message).toMatch(/muted/);
  });

  it("keeps the mode through the workflow format", () => {
    const wf = textToImage({ superRes: "bypass", preview: "mute" });
    const again = parseWorkflow(JSON.stringify(wf));
    expect(again.nodes.find((n) => n.id === "superRes")!.mode).toBe("bypass");
    expect(again.nodes.find((n) => n.id === "preview")!.mode).toBe("mute");
    expect(() => parseWorkflow(JSON.stringify({ ...wf, nodes: [{ ...wf.nodes[0], mode: "off" }] }))).toThrow(/mode/);
  });

  it("a bypassed node's converted-parameter inputs stand in for an output of their type (after its declared inputs), as in ComfyUI", () => {
    // Integer a (7) → Integer b (bypassed, its value converted to an input) → Integer c (value converted)
    const wf: Workflow = {
      format: WORKFLOW_FORMAT,
      version: WORKFLOW_VERSION,
      nodes: [
        { id: "a", type: "unclip.int", params: { value: 7 }, position: { x: 0, y: 0 } },
        { id: "b", type: "unclip.int", params: { value: 1 }, position: { x: 300, y: 0 }, paramInputs: ["value"], mode: "bypass" },
        { id: "c", type: "unclip.int", params: { value: 2 }, position: { x: 600, y: 0 }, paramInputs: ["value"] },
      ],
      links: [
        { id: "l1", from: { node: "a", port: "value" }, to: { node: "b", port: "value" } },
        { id: "l2", from: { node: "b", port: "value" }, to: { node: "c", port: "value" } },
      ],
    };
    const { workflow, skipped } = resolveModes(wf, declarationOf, specPortType);
    expect(skipped).toEqual([{ nodeId: "b", reason: "bypass", via: { value: { node: "a", port: "value" } } }]);
    expect(workflow.links).toEqual([{ id: "l2", from: { node: "a", port: "value" }, to: { node: "c", port: "value" } }]);
    // without the parameters' types (an older caller), converted inputs are not considered and the wire is dropped
    expect(resolveModes(wf, declarationOf).skipped[0].via).toEqual({ value: null });
  });
});
