/** Loaders and the Scheduler node: parts from single loaders, step counts, overrides, clear refusals. */
import { afterAll, describe, expect, it } from "vitest";
import { priorRunner } from "../../nodes/prior/run";
import type { NodeRunContext } from "../../nodes/engine/runContext";
import { schedulerRunner } from "../../nodes/scheduler/run";
import type { ImageValue, SchedulerValue } from "../../nodes/engine/values";
import { PackageError } from "../../server/errors";
import { UnCLIPScheduler, UnCLIPSchedulerConfigSchema } from "../../server/unclip/scheduler";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { toImageArray } from "../../server/unclip/superResStage";
import { WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow } from "../../nodes/core/workflow";
import { describeWithFixtures } from "../helpers/fixtures";
import { NodeHarness } from "./harness";
import { runNode } from "./runNode";

const baseScheduler = (): SchedulerValue => {
  const config = UnCLIPSchedulerConfigSchema.parse({ variance_type: "fixed_small_log", clip_sample_range: 1 });
  return { kind: "scheduler", component: "decoder_scheduler", packageName: "p", config, scheduler: new UnCLIPScheduler(config), numInferenceSteps: 25 };
};
const noCtx = {} as NodeRunContext;

describe("Scheduler node", () => {
  it("keeps the package's options unless overridden, and sets the steps", async () => {
    const base = baseScheduler();
    const same = (await runNode(schedulerRunner, noCtx, { scheduler: base }, { numInferenceSteps: 7 })).outputs.scheduler as SchedulerValue;
    expect(same.numInferenceSteps).toBe(7);
    expect(same.scheduler).toBe(base.scheduler);
    const changed = (await runNode(schedulerRunner, noCtx, { scheduler: base, numInferenceSteps: 4 }, { varianceType: "learned_range", clipSampleRange: 5 }))
      .outputs.scheduler as SchedulerValue;
    expect(changed.numInferenceSteps).toBe(4);
    expect(changed.scheduler.config).toMatchObject({ variance_type: "learned_range", clip_sample_range: 5 });
    expect(base.scheduler.config).toMatchObject({ variance_type: "fixed_small_log", clip_sample_range: 1 });
  });

  it("refuses one step with the scheduler's explanation", async () => {
    await expect(runNode(schedulerRunner, noCtx, { scheduler: baseScheduler() }, { numInferenceSteps: 2 })).resolves.toBeDefined();
    await expect(runNode(schedulerRunner, noCtx, { scheduler: baseScheduler(), numInferenceSteps: 1 }, {})).rejects.toThrow(
      /numInferenceSteps must be an integer of at least 2/,
    );
  });
});

describe("inputs", () => {
  it("a part the package lacks fails where it is used, with the package's reason", async () => {
    const missing = {
      kind: "missing_component",
      component: "prior",
      packageName: "p",
      message: "/models/p: the Prior output needs the component prior, which model_index.json does not list",
    };
    const err = await runNode(priorRunner, noCtx, { prior: missing, scheduler: baseScheduler(), text: {} }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as Error).message).toMatch(/needs the component prior/);
  });

  it("a miswired input names its port", async () => {
    await expect(runNode(priorRunner, noCtx, { prior: baseScheduler() }, {})).rejects.toThrow(
      /input "prior": expected a prior component, got a scheduler value/,
    );
  });
});

const harness = new NodeHarness();
afterAll(() => harness.release());

describeWithFixtures("loaders on the fixture packages", () => {
  it("single-part loaders build the same graph as the package loader, and loader schedulers carry 25/25/7 steps", async () => {
    const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, params, position: { x: 0, y: 0 } });
    let n = 0;
    const link = (from: string, fromPort: string, to: string, toPort: string) => ({
      id: `l${++n}`,
      from: { node: from, port: fromPort },
      to: { node: to, port: toPort },
    });
    const pkg = { package: "unclip-tiny" };
    const wf: Workflow = {
      format: WORKFLOW_FORMAT,
      version: WORKFLOW_VERSION,
      nodes: [
        node("tok", "unclip.load_tokenizer", pkg),
        node("enc", "unclip.load_text_encoder", pkg),
        node("pri", "unclip.load_prior", pkg),
        node("proj", "unclip.load_text_proj", pkg),
        node("dec", "unclip.load_decoder", pkg),
        node("sr", "unclip.load_super_res", pkg),
        node("priorSched", "unclip.load_scheduler", { ...pkg, which: "prior" }),
        node("decSched", "unclip.load_scheduler", { ...pkg, which: "decoder" }),
        node("srSched", "unclip.load_scheduler", { ...pkg, which: "super_res" }),
        node("priorSteps", "unclip.scheduler", { numInferenceSteps: 2 }),
        node("decSteps", "unclip.scheduler", { numInferenceSteps: 2 }),
        node("srSteps", "unclip.scheduler", { numInferenceSteps: 2 }),
        node("tokens", "unclip.tokenizer", { prompt: "a white star" }),
        node("text", "unclip.text_encoder"),
        node("prior", "unclip.prior", { seed: 9 }),
        node("textProj", "unclip.text_proj"),
        node("decoder", "unclip.decoder", { seed: 9 }),
        node("superRes", "unclip.super_res", { seed: 9 }),
      ],
      links: [
        link("tok", "tokenizer", "tokens", "tokenizer"),
        link("enc", "textEncoder", "text", "textEncoder"),
        link("tokens", "tokens", "text", "tokens"),
        link("priorSched", "scheduler", "priorSteps", "scheduler"),
        link("decSched", "scheduler", "decSteps", "scheduler"),
        link("srSched", "scheduler", "srSteps", "scheduler"),
        link("pri", "prior", "prior", "prior"),
        link("priorSteps", "scheduler", "prior", "scheduler"),
        link("text", "embedding", "prior", "text"),
        link("proj", "textProj", "textProj", "textProj"),
        link("text", "embedding", "textProj", "text"),
        link("prior", "imageEmbedding", "textProj", "imageEmbedding"),
        link("dec", "decoder", "decoder", "decoder"),
        link("decSteps", "scheduler", "decoder", "scheduler"),
        link("textProj", "conditioning", "decoder", "conditioning"),
        link("sr", "superRes", "superRes", "superRes"),
        link("srSteps", "scheduler", "superRes", "scheduler"),
        link("decoder", "image", "superRes", "image"),
      ],
    };
    const results = await harness.runWorkflow(wf);
    expect(["priorSched", "decSched", "srSched"].map((id) => (results.get(id)!.outputs.scheduler as SchedulerValue).numInferenceSteps)).toEqual([25, 25, 7]);
    const ref = await text2image(await harness.loadPackage("unclip-tiny"), {
      prompt: "a white star",
      seed: 9,
      priorNumInferenceSteps: 2,
      decoderNumInferenceSteps: 2,
      superResNumInferenceSteps: 2,
    });
    const mine = toImageArray((results.get("superRes")!.outputs.image as ImageValue).pixels);
    expect(Buffer.from(mine.data.buffer).equals(Buffer.from(ref.images.data.buffer))).toBe(true);
  });

  it("parts of packages that do not fit together are refused before any model runs", async () => {
    const ctx = harness.context("n");
    const runs = harness.pool.stats.sessionRuns;
    const tiny = await harness.runWorkflow({
      format: WORKFLOW_FORMAT,
      version: WORKFLOW_VERSION,
      nodes: [
        { id: "pkg", type: "unclip.load_package", params: { package: "unclip-tiny" }, position: { x: 0, y: 0 } },
        { id: "smallPrior", type: "unclip.load_prior", params: { package: "unclip-small" }, position: { x: 0, y: 0 } },
      ],
      links: [],
    });
    const fakeText = {
      kind: "text_embedding",
      cond: { promptEmbeds: { dtype: "float32", shape: [1, 32], data: new Float32Array(32) } },
      uncond: {},
    };
    const err = await runNode(
      priorRunner,
      ctx,
      { prior: tiny.get("smallPrior")!.outputs.prior, scheduler: tiny.get("pkg")!.outputs.priorScheduler, text: fakeText },
      {},
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("text: embeddings [1, 32] do not fit this prior (width 128)");
    expect(harness.pool.stats.sessionRuns).toBe(runs);
  });
});
