/**
 * Parameters converted to inputs (`paramInputs`): typed ports from the parameter's schema, checked
 * by the same rules as any input, and the wired value parsed by the parameter's own schema — at
 * validation when a primitive feeds it directly, otherwise by the executor before the node runs.
 */
import { describe, expect, it } from "vitest";
import { checkWorkflow } from "../../nodes/core/graphRules";
import { paramPortType, specPortType, withParamInputs } from "../../nodes/core/paramInputs";
import { catalogOf } from "../../nodes/core/catalog";
import { NODE_DECLARATIONS, getDeclaration } from "../../nodes/registry";
import { ValidationFailed } from "../../server/graph/executor";
import type { Workflow } from "../../nodes/core/workflow";
import { graph, run, template, testExecutor } from "./helpers";

const check = (wf: Workflow) => checkWorkflow(wf, getDeclaration);

function converted(wf: Workflow, id: string, ...names: string[]): Workflow {
  return { ...wf, nodes: wf.nodes.map((n) => (n.id === id ? { ...n, paramInputs: names } : n)) };
}

describe("parameters as inputs", () => {
  it("types each port from the parameter's schema, the same in the catalog as on the server", () => {
    const decoder = getDeclaration("unclip.decoder")!;
    const textProj = getDeclaration("unclip.text_proj")!;
    const types = (d: typeof decoder, names: string[]) => withParamInputs(d, names, specPortType).inputs.filter((p) => names.includes(p.name));
    expect(types(decoder, ["guidanceScale"]).map((p) => p.type)).toEqual(["FLOAT"]);
    expect(types(textProj, ["classifierFreeGuidance"]).map((p) => p.type)).toEqual(["BOOLEAN"]);
    expect(types(getDeclaration("unclip.int")!, ["value"]).map((p) => p.type)).toEqual(["INT"]);
    expect(types(getDeclaration("unclip.string")!, ["value"]).map((p) => p.type)).toEqual(["STRING"]);
    for (const c of catalogOf(NODE_DECLARATIONS)) {
      const d = getDeclaration(c.type)!;
      for (const p of c.params) expect(paramPortType(p), `${c.type}.${p.name}`).toBe(specPortType(d.params.find((x) => x.name === p.name)!));
    }
  });

  it("a Float primitive drives the decoder's guidance scale; the plan carries its value", () => {
    const base = converted(template("Text to image"), "decoder", "guidanceScale");
    const wf: Workflow = {
      ...base,
      nodes: [...base.nodes, { id: "g", type: "unclip.float", params: { value: 3.5 }, position: { x: 0, y: 0 } }],
      links: [...base.links, { id: "lg", from: { node: "g", port: "value" }, to: { node: "decoder", port: "guidanceScale" } }],
    };
    const { errors, plan } = check(wf);
    expect(errors).toEqual([]);
    const decoder = plan!.order.find((n) => n.id === "decoder")!;
    expect(decoder.params.guidanceScale).toBe(3.5);
    expect(decoder.paramInputs).toEqual(["guidanceScale"]);
    expect(decoder.inputs.guidanceScale).toEqual({ node: "g", port: "value" });
  });

  it("a bad wired value is a validation error naming the node and parameter; unconnected, wrong type and unknown names are refused", () => {
    const base = converted(template("Text to image"), "decoder", "guidanceScale");
    const withFloat = (value: number): Workflow => ({
      ...base,
      nodes: [...base.nodes, { id: "g", type: "unclip.float", params: { value }, position: { x: 0, y: 0 } }],
      links: [...base.links, { id: "lg", from: { node: "g", port: "value" }, to: { node: "decoder", port: "guidanceScale" } }],
    });
    const bad = check(withFloat(500)).errors;
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ code: "param_out_of_range", nodeId: "decoder", param: "guidanceScale" });
    expect(bad[0].message).toMatch(/Decoder.*Guidance scale.*from Float \(g\).*500/);

    expect(check(base).errors).toMatchObject([{ code: "missing_input", nodeId: "decoder", port: "guidanceScale" }]);
    const intoBool = converted(base, "textProj", "classifierFreeGuidance");
    expect(
      check(intoBool)
        .errors.map((e) => `${e.code}:${e.nodeId}.${e.port}`)
        .sort(),
    ).toEqual(["missing_input:decoder.guidanceScale", "missing_input:textProj.classifierFreeGuidance"]);
    const unknown = check(converted(template("Text to image"), "decoder", "nope")).errors;
    expect(unknown).toMatchObject([{ code: "unknown_port", nodeId: "decoder", param: "nope" }]);
    // a parameter that already has an input of its name (the seed) is not convertible
    expect(check(converted(template("Text to image"), "decoder", "seed")).errors).toMatchObject([{ code: "unknown_port", param: "seed" }]);
  });

  it("follows a chain of primitives to its value: the run gets it, and a bad one is refused before anything runs", async () => {
    const services = testExecutor();
    // a → b.value (INT, converted) → c.seed (INT, converted): c's seed is a's value, known before running
    const chain = (a: number) =>
      graph(
        [
          ["a", "unclip.int", { value: a }],
          ["b", "unclip.int", {}],
          ["c", "unclip.seed", {}],
        ],
        [
          ["a.value", "b.value"],
          ["b.value", "c.seed"],
        ],
      );
    const wire = (wf: Workflow) => converted(converted(wf, "b", "value"), "c", "seed");
    const ok = await run(services, wire(chain(7)), { targets: ["c"] });
    expect(ok.report.values?.c).toEqual({ seed: 7 });
    expect(checkWorkflow(wire(chain(7)), getDeclaration, { targets: ["c"] }).plan!.order.find((n) => n.id === "c")!.params.seed).toBe(7);
    // −5 is a fine Integer, but not a seed: the run stops before the Seed node starts, naming it and its parameter
    const events: string[] = [];
    const failed = run(services, wire(chain(-5)), { targets: ["c"], onEvent: (e) => events.push(`${e.type}:${"nodeId" in e ? e.nodeId : ""}`) });
    await expect(failed).rejects.toBeInstanceOf(ValidationFailed);
    await expect(failed).rejects.toMatchObject({ errors: [{ code: "param_out_of_range", nodeId: "c", param: "seed" }] });
    await expect(failed).rejects.toThrow(/Seed \(c\): parameter "Seed" \(from Integer \(a\)\) is out of range/);
    expect(events).not.toContain("node.started:c");
  });
});
