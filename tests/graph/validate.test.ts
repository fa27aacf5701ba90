/** Validation: one test per error code, all problems at once, unused nodes ignored. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TEMPLATES } from "../../nodes/core/templates";
import type { ValidationCode, ValidationError } from "../../nodes/core/graphRules";
import { validateWorkflow } from "../../server/graph/validate";
import { parseWorkflow } from "../../nodes/core/workflow";
import { graph, registry } from "./helpers";

// A models directory with one (empty) package folder: validation only checks that it exists.
const modelsDir = mkdtempSync(path.join(os.tmpdir(), "unclip-validate-"));
mkdirSync(path.join(modelsDir, "pkg"));
writeFileSync(path.join(modelsDir, "not-a-folder"), "x");
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

const validate = (wf: Parameters<typeof validateWorkflow>[0]) => validateWorkflow(wf, registry, { modelsDir });
const codes = (errors: ValidationError[]) => errors.map((e) => e.code).sort();

/** Exactly one error, of this code; returns it. */
function only(wf: Parameters<typeof validateWorkflow>[0], code: ValidationCode): ValidationError {
  const { errors, plan } = validate(wf);
  expect(plan).toBeUndefined();
  expect(errors.map((e) => e.code)).toEqual([code]);
  expect(errors[0].message.length).toBeGreaterThan(10);
  return errors[0];
}

const inspectInt = (): Parameters<typeof graph>[0] => [
  ["n", "unclip.int", { value: 3 }],
  ["inspect", "unclip.tensor_inspector"],
];

describe("validation", () => {
  it("accepts the templates (with an existing package) and plans every needed node", () => {
    for (const t of TEMPLATES) {
      const wf = parseWorkflow(JSON.stringify(t));
      for (const n of wf.nodes) if (n.type === "unclip.load_package") n.params.package = "pkg";
      const { errors, plan } = validate(wf);
      expect(errors, t.name).toEqual([]);
      // every node but the note is needed
      expect(plan!.order.map((n) => n.id).sort(), t.name).toEqual(
        wf.nodes
          .filter((n) => n.type !== "unclip.note")
          .map((n) => n.id)
          .sort(),
      );
      expect(plan!.outputNodes.length).toBeGreaterThan(0);
    }
  });

  it("unknown_node_type: names the node; the workflow still parses", () => {
    const text = JSON.stringify(graph([...inspectInt(), ["ghost", "custom.future_node", { x: 1 }]], [["n.value", "inspect.value"]]));
    const wf = parseWorkflow(text);
    expect(wf.nodes.find((n) => n.id === "ghost")!.type).toBe("custom.future_node");
    const e = only(wf, "unknown_node_type");
    expect(e.nodeId).toBe("ghost");
    expect(e.message).toContain("custom.future_node");
  });

  it("unknown_node_type: also a type named like an Object member", () => {
    const e = only(graph([...inspectInt(), ["weird", "constructor"]], [["n.value", "inspect.value"]]), "unknown_node_type");
    expect(e.nodeId).toBe("weird");
  });

  it("unknown_node: a link from or to a node that is not there", () => {
    const from = only(graph(inspectInt(), [["ghost.value", "inspect.value"]]), "unknown_node");
    expect(from).toMatchObject({ linkId: "l1", nodeId: "inspect" });
    expect(from.message).toContain('"ghost"');
    const to = only(
      graph(inspectInt(), [
        ["n.value", "inspect.value"],
        ["n.value", "ghost.value"],
      ]),
      "unknown_node",
    );
    expect(to).toMatchObject({ linkId: "l2", nodeId: "n" });
  });

  it("unknown_port: an output or an input the node does not have", () => {
    const out = only(graph(inspectInt(), [["n.nope", "inspect.value"]]), "unknown_port");
    expect(out).toMatchObject({ nodeId: "n", port: "nope", linkId: "l1" });
    const wf = graph(
      [...inspectInt(), ["m", "unclip.int"]],
      [
        ["n.value", "inspect.value"],
        ["m.value", "inspect.extra"],
      ],
    );
    expect(only(wf, "unknown_port")).toMatchObject({ nodeId: "inspect", port: "extra", linkId: "l2" });
  });

  it("missing_input: a required input left unconnected", () => {
    const e = only(graph([["inspect", "unclip.tensor_inspector"]]), "missing_input");
    expect(e).toMatchObject({ nodeId: "inspect", port: "value" });
    // optional inputs may stay open: the noise node's seed
    expect(
      validate(
        graph(
          [
            ["noise", "unclip.noise"],
            ["inspect", "unclip.tensor_inspector"],
          ],
          [["noise.latents", "inspect.value"]],
        ),
      ).errors,
    ).toEqual([]);
  });

  it("duplicate_input: two links into one input", () => {
    const wf = graph(
      [...inspectInt(), ["m", "unclip.int"]],
      [
        ["n.value", "inspect.value"],
        ["m.value", "inspect.value"],
      ],
    );
    expect(only(wf, "duplicate_input")).toMatchObject({ nodeId: "inspect", port: "value", linkId: "l2" });
  });

  it("type_mismatch: names the input, and the input is not also reported unconnected", () => {
    const wf = graph(
      [
        ["seed", "unclip.seed"],
        ["save", "unclip.save_image"],
      ],
      [["seed.seed", "save.image"]],
    );
    const e = only(wf, "type_mismatch");
    expect(e).toMatchObject({ nodeId: "save", port: "image", linkId: "l1" });
    expect(e.message).toMatch(/IMAGE.*SEED/);
  });

  it("self_link: a node feeding its own input", () => {
    const wf = graph(
      [
        ["s", "unclip.scheduler"],
        ["inspect", "unclip.tensor_inspector"],
      ],
      [
        ["s.scheduler", "s.scheduler"],
        ["s.scheduler", "inspect.value"],
      ],
    );
    expect(only(wf, "self_link")).toMatchObject({ nodeId: "s", port: "scheduler", linkId: "l1" });
  });

  it("cycle: every node on the cycle, and not the nodes downstream of it", () => {
    const wf = graph(
      [
        ["a", "unclip.scheduler"],
        ["b", "unclip.scheduler"],
        ["c", "unclip.scheduler"],
        ["inspect", "unclip.tensor_inspector"],
      ],
      [
        ["a.scheduler", "b.scheduler"],
        ["b.scheduler", "a.scheduler"],
        ["b.scheduler", "c.scheduler"],
        ["c.scheduler", "inspect.value"],
      ],
    );
    const { errors } = validate(wf);
    expect(codes(errors)).toEqual(["cycle", "cycle"]);
    expect(errors.map((e) => e.nodeId).sort()).toEqual(["a", "b"]);
    expect(errors[0].message).toContain("cycle");
  });

  it("param_out_of_range: names the parameter", () => {
    const wf = graph(
      [
        ["s", "unclip.scheduler", { numInferenceSteps: 1 }],
        ["inspect", "unclip.tensor_inspector"],
        ["l", "unclip.load_scheduler", { package: "pkg" }],
      ],
      [
        ["l.scheduler", "s.scheduler"],
        ["s.scheduler", "inspect.value"],
      ],
    );
    const e = only(wf, "param_out_of_range");
    expect(e).toMatchObject({ nodeId: "s", param: "numInferenceSteps" });
    expect(e.message).toContain("got 1");
  });

  it("param_wrong_type: names the parameter", () => {
    const e = only(
      graph(
        inspectInt().map(([id, type]) => [id, type, id === "n" ? { value: "three" } : {}]),
        [["n.value", "inspect.value"]],
      ),
      "param_wrong_type",
    );
    expect(e).toMatchObject({ nodeId: "n", param: "value" });
    expect(e.message).toContain('"three"');
  });

  for (const bad of ["../x", "/etc", "..", ".", "pkg/../..", `..${path.sep}pkg`]) {
    it(`model_path_outside: package ${JSON.stringify(bad)}`, () => {
      const wf = graph(
        [
          ["l", "unclip.load_scheduler", { package: bad }],
          ["inspect", "unclip.tensor_inspector"],
        ],
        [["l.scheduler", "inspect.value"]],
      );
      expect(only(wf, "model_path_outside")).toMatchObject({ nodeId: "l", param: "package" });
    });
  }

  it("a package path that stays inside the models directory is fine", () => {
    const wf = graph(
      [
        ["l", "unclip.load_scheduler", { package: "pkg/../pkg" }],
        ["inspect", "unclip.tensor_inspector"],
      ],
      [["l.scheduler", "inspect.value"]],
    );
    expect(validate(wf).errors).toEqual([]);
  });

  it("model_not_found: a missing folder, or a file that is not a folder", () => {
    for (const name of ["nope", "not-a-folder"]) {
      const wf = graph(
        [
          ["l", "unclip.load_scheduler", { package: name }],
          ["inspect", "unclip.tensor_inspector"],
        ],
        [["l.scheduler", "inspect.value"]],
      );
      const e = only(wf, "model_not_found");
      expect(e).toMatchObject({ nodeId: "l", param: "package" });
      expect(e.message).toContain(name);
    }
  });

  it("no_output: a graph without an output node", () => {
    const e = only(
      graph([
        ["n", "unclip.int"],
        ["note", "unclip.note"],
      ]),
      "no_output",
    );
    expect(e.nodeId).toBeUndefined();
    expect(only(graph([]), "no_output").code).toBe("no_output");
  });

  it("reports every problem of a graph at once", () => {
    const wf = graph(
      [
        ["ghost", "custom.unknown"],
        ["inspect", "unclip.tensor_inspector"],
        ["s", "unclip.scheduler", { numInferenceSteps: 0, varianceType: 5 }],
        ["l", "unclip.load_scheduler", { package: "../up" }],
        ["save", "unclip.save_image"],
        ["seed", "unclip.seed"],
        ["prev", "unclip.preview_image"],
        ["prev2", "unclip.preview_image"],
      ],
      [
        ["l.scheduler", "s.scheduler"],
        ["s.scheduler", "inspect.value"],
        ["seed.seed", "save.image"],
        ["nowhere.x", "prev.image"],
      ],
    );
    const { errors, plan } = validate(wf);
    expect(plan).toBeUndefined();
    expect(codes(errors)).toEqual(
      ["missing_input", "model_path_outside", "param_out_of_range", "param_wrong_type", "type_mismatch", "unknown_node", "unknown_node_type"].sort(),
    );
    const at = (code: string) => errors.find((e) => e.code === code)!;
    expect(at("param_out_of_range")).toMatchObject({ nodeId: "s", param: "numInferenceSteps" });
    expect(at("param_wrong_type")).toMatchObject({ nodeId: "s", param: "varianceType" });
    expect(at("model_path_outside")).toMatchObject({ nodeId: "l", param: "package" });
    expect(at("type_mismatch")).toMatchObject({ nodeId: "save", port: "image" });
    expect(at("unknown_node")).toMatchObject({ nodeId: "prev", linkId: "l4" });
    // the link into prev is its own error; prev2 really has nothing connected
    expect(at("missing_input")).toMatchObject({ nodeId: "prev2", port: "image" });
    expect(at("unknown_node_type")).toMatchObject({ nodeId: "ghost" });
  });

  it("ignores nodes no output depends on: a dangling node's missing input, bad parameters and bad links", () => {
    const wf = graph(
      [
        ...inspectInt(),
        ["dangling", "unclip.text_encoder"],
        ["badParams", "unclip.scheduler", { numInferenceSteps: -5 }],
        ["seed", "unclip.seed"],
        ["badModel", "unclip.load_package", { package: "../../etc" }],
      ],
      [
        ["n.value", "inspect.value"],
        ["seed.seed", "dangling.tokens"],
        ["badModel.decoder", "badParams.scheduler"],
      ],
    );
    const { errors, plan } = validate(wf);
    expect(errors).toEqual([]);
    expect(plan!.order.map((n) => n.id)).toEqual(["n", "inspect"]);
  });

  it("checks the node a rejected link comes from (it was meant to feed the output)", () => {
    const wf = graph(
      [
        ["seed", "unclip.seed", { seed: -1 }],
        ["save", "unclip.save_image"],
      ],
      [["seed.seed", "save.image"]],
    );
    const { errors } = validate(wf);
    expect(codes(errors)).toEqual(["param_out_of_range", "type_mismatch"]);
    expect(errors.find((e) => e.code === "param_out_of_range")).toMatchObject({ nodeId: "seed", param: "seed" });
  });

  it("plans in dependency order and fills in parameter defaults", () => {
    const wf = graph(
      [
        ["inspect", "unclip.tensor_inspector"],
        ["noise", "unclip.noise", { shape: "1,3,8,8" }],
        ["seed", "unclip.seed", { seed: 9 }],
      ],
      [
        ["seed.seed", "noise.seed"],
        ["noise.latents", "inspect.value"],
      ],
    );
    const { errors, plan } = validate(wf);
    expect(errors).toEqual([]);
    expect(plan!.order.map((n) => n.id)).toEqual(["seed", "noise", "inspect"]);
    expect(plan!.order[0].params).toEqual({ seed: 9, randomize: false });
    expect(plan!.order[1].inputs).toEqual({ seed: { node: "seed", port: "seed" } });
  });
});
