/** "Run ×N"'s successive seeds (nodes/core/batchSeeds.ts) and the run summary stored with each run (nodes/core/runSummary.ts). */
import { describe, expect, it } from "vitest";
import { batchWorkflows, offsetSeed } from "../../nodes/core/batchSeeds";
import { MAX_SEED } from "../../nodes/core/params";
import { promptOf, readStoredSummary, summarizeWorkflow, PROMPT_CHARS } from "../../nodes/core/runSummary";
import { WORKFLOW_VERSION, type Workflow } from "../../nodes/core/workflow";
import { createRegistry } from "../../server/graph/registry";
import { NODE_IMPLEMENTATIONS } from "../../nodes/registry";
import { seedParamsIn } from "../../server/api/runLabels";

const registry = createRegistry(NODE_IMPLEMENTATIONS);
const seeds = seedParamsIn(registry);
const wf = (nodes: [string, string, Record<string, unknown>, Workflow["nodes"][number]["mode"]?][], links: [string, string][] = []): Workflow => ({
  format: "unclip-studio/workflow",
  version: WORKFLOW_VERSION,
  nodes: nodes.map(([id, type, params, mode]) => ({ id, type, params, position: { x: 0, y: 0 }, ...(mode ? { mode } : {}) })),
  links: links.map(([from, to], i) => ({
    id: `l${i}`,
    from: { node: from.split(".")[0], port: from.split(".")[1] },
    to: { node: to.split(".")[0], port: to.split(".")[1] },
  })),
});

describe("batch seeds", () => {
  it("gives run i every seed parameter + i (the Seed node's and each sampler's), nothing else changed", () => {
    const base = wf([
      ["seed", "unclip.seed", { seed: 41, randomize: false }],
      ["decoder", "unclip.decoder", { guidanceScale: 4, seed: 7 }],
      ["tok", "unclip.tokenizer", { prompt: "a cat" }],
    ]);
    const runs = batchWorkflows(base, 3, seeds);
    expect(runs).toHaveLength(3);
    expect(runs[0]).toBe(base);
    expect(runs.map((r) => r.nodes[0].params.seed)).toEqual([41, 42, 43]);
    expect(runs.map((r) => r.nodes[1].params.seed)).toEqual([7, 8, 9]);
    expect(runs.map((r) => r.nodes[1].params.guidanceScale)).toEqual([4, 4, 4]);
    expect(runs.map((r) => r.nodes[2].params)).toEqual([{ prompt: "a cat" }, { prompt: "a cat" }, { prompt: "a cat" }]);
    // the base workflow is not changed
    expect(base.nodes[0].params.seed).toBe(41);
    // a randomized Seed node keeps Randomize on: each run draws its own
    const random = batchWorkflows(wf([["seed", "unclip.seed", { seed: 1, randomize: true }]]), 2, seeds);
    expect(random[1].nodes[0].params).toEqual({ seed: 2, randomize: true });
  });

  it("wraps from MAX_SEED to 0 without leaving the safe integers, and leaves a missing seed to its default", () => {
    expect(offsetSeed(MAX_SEED, 0)).toBe(MAX_SEED);
    expect(offsetSeed(MAX_SEED, 1)).toBe(0);
    expect(offsetSeed(MAX_SEED - 1, 3)).toBe(1);
    expect(offsetSeed(5, 2)).toBe(7);
    const runs = batchWorkflows(wf([["seed", "unclip.seed", {}]]), 2, seeds);
    expect(runs[1].nodes[0].params).toEqual({});
  });

  it("knows seed parameters from the declarations' widgets", () => {
    expect(seeds("unclip.seed")).toEqual(["seed"]);
    expect(seeds("unclip.decoder")).toEqual(["seed"]);
    expect(seeds("unclip.tokenizer")).toEqual([]);
    expect(seeds("no.such.type")).toEqual([]);
  });
});

describe("run summary", () => {
  it("reads the prompt, or the text wired into it, trimmed and cut", () => {
    expect(promptOf(wf([["tok", "unclip.tokenizer", { prompt: "  a red circle  " }]]))).toBe("a red circle");
    expect(
      promptOf(
        wf(
          [
            ["text", "unclip.string", { value: "from a wire" }],
            ["tok", "unclip.tokenizer", { prompt: "ignored" }],
          ],
          [["text.value", "tok.prompt"]],
        ),
      ),
    ).toBe("from a wire");
    expect(promptOf(wf([["tok", "unclip.tokenizer", { prompt: "x".repeat(1000) }]]))?.length).toBe(PROMPT_CHARS);
    expect(promptOf(wf([["tok", "unclip.tokenizer", { prompt: "muted" }, "mute"]]))).toBeNull();
    expect(promptOf(wf([["seed", "unclip.seed", { seed: 1 }]]))).toBeNull();
  });

  it("keeps seeds in use, guidance scales and step counts, labelled by node", () => {
    const s = summarizeWorkflow(
      wf(
        [
          ["seed", "unclip.seed", { seed: 9, randomize: false }],
          ["decoder", "unclip.decoder", { guidanceScale: 4, seed: 0 }],
          ["prior", "unclip.prior", { guidanceScale: 4, seed: 3 }],
          ["tok", "unclip.tokenizer", { prompt: "a cat" }],
        ],
        [["seed.seed", "decoder.seed"]],
      ),
      (t) => registry.declaration(t),
    );
    expect(s.prompt).toBe("a cat");
    expect(s.name).toBeNull();
    expect(s.params).toEqual([
      { label: "Seed", value: "9" },
      { label: "Decoder · Guidance scale", value: "4" },
      { label: "Prior · Guidance scale", value: "4" },
      { label: "Prior · Seed", value: "3" },
    ]);
  });

  it("keeps the workflow's own name, and reads a stored summary back, tolerating damage", () => {
    const named = { ...wf([["tok", "unclip.tokenizer", { prompt: "x" }]]), name: "  Fox study " };
    expect(summarizeWorkflow(named, (t) => registry.declaration(t)).name).toBe("Fox study");
    expect(readStoredSummary(JSON.stringify({ name: "A", params: [{ label: "Seed", value: "1" }, { label: 3 }] }))).toEqual({
      name: "A",
      params: [{ label: "Seed", value: "1" }],
    });
    expect(readStoredSummary(null)).toEqual({ name: null, params: [] });
    expect(readStoredSummary("{not json")).toEqual({ name: null, params: [] });
    expect(readStoredSummary("[1,2]")).toEqual({ name: null, params: [] });
  });
});
