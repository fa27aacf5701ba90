/**
 * Export → Python (diffusers): the script's pipeline call, parsed by Python's own `ast`, carries
 * exactly the workflow's settings; a graph diffusers cannot express is refused naming its nodes.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { exportPython, type PythonExport } from "../../nodes/core/exportPython";
import { templateByName } from "../../nodes/core/templates";
import type { Workflow } from "../../nodes/core/workflow";
import { getDeclaration } from "../../nodes/registry";

/** What Python sees in the script: the class, from_pretrained's argument, the seed and the call's keywords. */
interface ParsedCall {
  pipeline: string;
  modelId: string;
  seed: number;
  kwargs: Record<string, unknown>;
}

const PARSER = String.raw`
import ast, json, sys
tree = ast.parse(sys.stdin.read())
out = {"kwargs": {}}
for node in ast.walk(tree):
    if not isinstance(node, ast.Call):
        continue
    f = node.func
    if isinstance(f, ast.Attribute) and f.attr == "from_pretrained":
        out["pipeline"] = f.value.id
        out["modelId"] = ast.literal_eval(node.args[0])
    elif isinstance(f, ast.Attribute) and f.attr == "manual_seed":
        out["seed"] = ast.literal_eval(node.args[0])
    elif isinstance(f, ast.Name) and f.id == "pipe":
        for k in node.keywords:
            v = k.value
            out["kwargs"][k.arg] = ast.literal_eval(v) if not isinstance(v, ast.Name) else {"name": v.id}
            if isinstance(v, ast.Constant) and isinstance(v.value, float):
                out["kwargs"][k.arg] = {"float": v.value}
print(json.dumps(out))
`;

function parsePython(script: string): ParsedCall {
  return JSON.parse(execFileSync("python3", ["-c", PARSER], { input: script, encoding: "utf8" })) as ParsedCall;
}

const declarationOf = (type: string) => getDeclaration(type);

function template(name: string, params: Record<string, Record<string, unknown>> = {}): Workflow {
  const t = structuredClone(templateByName(name)!);
  for (const [id, p] of Object.entries(params)) Object.assign(t.nodes.find((n) => n.id === id)!.params, p);
  return t;
}

function ok(r: PythonExport): Extract<PythonExport, { ok: true }> {
  if (!r.ok) throw new Error(r.message);
  return r;
}

describe("Export → Python (diffusers)", () => {
  it("text to image: UnCLIPPipeline with the workflow's prompt, counts, steps, guidance and seed", () => {
    const wf = template("Text to image", {
      tokenizer: { prompt: 'a "quoted" café\nwith a second line \\ and a backslash' },
      prior: { numImagesPerPrompt: 3, guidanceScale: 5.5 },
      decoder: { guidanceScale: 7 },
      priorScheduler: { numInferenceSteps: 12 },
      decoderScheduler: { numInferenceSteps: 9 },
      superResScheduler: { numInferenceSteps: 4 },
      seed: { seed: 987654321 },
    });
    const r = ok(exportPython(wf, { declarationOf, modelIds: { "toy-shapes": "kakaobrain/karlo-v1-alpha" } }));
    const py = parsePython(r.script);
    expect(py.pipeline).toBe("UnCLIPPipeline");
    expect(py.modelId).toBe("kakaobrain/karlo-v1-alpha");
    expect(py.seed).toBe(987654321);
    expect(py.kwargs).toEqual({
      prompt: 'a "quoted" café\nwith a second line \\ and a backslash',
      num_images_per_prompt: 3,
      prior_num_inference_steps: 12,
      decoder_num_inference_steps: 9,
      super_res_num_inference_steps: 4,
      prior_guidance_scale: { float: 5.5 },
      decoder_guidance_scale: { float: 7 },
      generator: { name: "generator" },
    });
  });

  it("a batch of prompts becomes a list; a seed wired from a primitive is followed; an unknown model is a placeholder with a comment", () => {
    const wf = template("Text to image", { tokenizer: { prompt: "one\n\ntwo\n", batch: true } });
    wf.nodes.push({ id: "n", type: "unclip.int", params: { value: 31 }, position: { x: 0, y: 0 } });
    const seedNode = wf.nodes.find((n) => n.id === "seed")!;
    seedNode.paramInputs = ["seed"];
    wf.links.push({ id: "pn", from: { node: "n", port: "value" }, to: { node: "seed", port: "seed" } });
    const r = ok(exportPython(wf, { declarationOf }));
    const py = parsePython(r.script);
    expect(py.kwargs.prompt).toEqual(["one", "two"]);
    expect(py.seed).toBe(31);
    expect(py.modelId).toBe("PATH/TO/DIFFUSERS/MODEL/OF/toy-shapes");
    expect(r.script).toMatch(/# Not known which diffusers model the package "toy-shapes" was exported from/);
  });

  it("image variation: UnCLIPImageVariationPipeline with the image, count, decoder/super-res steps, guidance and seed", () => {
    const wf = template("Image variation", {
      imageEncoder: { numImagesPerPrompt: 2 },
      decoder: { guidanceScale: 3 },
      decoderScheduler: { numInferenceSteps: 20 },
      seed: { seed: 5 },
    });
    const r = ok(exportPython(wf, { declarationOf }));
    const py = parsePython(r.script);
    expect(py.pipeline).toBe("UnCLIPImageVariationPipeline");
    expect(py.seed).toBe(5);
    expect(py.kwargs).toEqual({
      image: { name: "image" },
      num_images_per_prompt: 2,
      decoder_num_inference_steps: 20,
      super_res_num_inference_steps: 7,
      decoder_guidance_scale: { float: 3 },
      generator: { name: "generator" },
    });
    expect(r.script).toContain('Image.open("public/examples/red-ring.png")');
  });

  it("a graph with no diffusers equivalent names its nodes", () => {
    const r = exportPython(template("Prompt interpolation"), { declarationOf });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.nodeId)).toEqual(expect.arrayContaining(["interpolate"]));
    expect(r.message).toMatch(/interpolate\) has no diffusers equivalent/);
    expect(r.problems.find((p) => p.nodeId === "tokenizerB")?.reason).toMatch(/second Tokenizer node/);
  });

  it("a partial schedule, given noise and a changed scheduler are named too", () => {
    const wf = template("Text to image", { decoder: { endStep: 10 }, superResScheduler: { varianceType: "learned_range" } });
    wf.nodes.push({ id: "noise", type: "unclip.noise", params: {}, position: { x: 0, y: 0 } });
    wf.links.push({ id: "nz", from: { node: "noise", port: "latents" }, to: { node: "prior", port: "latents" } });
    const r = exportPython(wf, { declarationOf });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const reasons: Record<string, string> = Object.fromEntries(r.problems.map((p) => [p.nodeId ?? "", p.reason]));
    expect(reasons.decoder).toMatch(/runs part of its schedule/);
    expect(reasons.superResScheduler).toMatch(/changes the scheduler's options/);
    expect(reasons.noise).toMatch(/no diffusers equivalent/);
    expect(r.problems.some((p) => p.nodeId === "prior" && /"latents" input is connected/.test(p.reason))).toBe(true);
  });

  it("classifier-free guidance must agree with diffusers' rule (on when a scale is above 1)", () => {
    const r = exportPython(template("Text to image", { prior: { classifierFreeGuidance: false } }), { declarationOf });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.nodeId)).toEqual(["prior"]);
    const off = template("Text to image", {
      prior: { classifierFreeGuidance: false, guidanceScale: 1 },
      textProj: { classifierFreeGuidance: false },
      decoder: { guidanceScale: 1 },
    });
    expect(exportPython(off, { declarationOf }).ok).toBe(true);
  });
});
