/**
 * The executor over the real node library: dependency order, caching, failures, cancellation,
 * and on the tiny model package the same pixels as the pipelines, with the workflow in the PNG.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { DEFAULT_PACKAGE_PRIOR_GUIDANCE } from "../../nodes/core/templates";
import { readEnv } from "../../server/env";
import { CancelledError } from "../../server/errors";
import type { RunEvent } from "../../nodes/core/runEvents";
import { NodeFailed, toRunError, ValidationFailed } from "../../server/graph/executor";
import { validateWorkflow } from "../../server/graph/validate";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import { readPngTextChunks, toRgb8 } from "../../server/unclip/imageOutput";
import { decodeImage } from "../../server/unclip/imageProcessor";
import { imageVariation } from "../../server/unclip/pipelineImageVariation";
import { text2image } from "../../server/unclip/pipelineText2Image";
import type { Float32NdArray } from "../../server/unclip/tensor";
import { saveUpload } from "../../server/uploads";
import { describeWithFixtures, TINY_CASES } from "../helpers/fixtures";
import { graph, noiseGraph, PACKAGE, registry, run, type SavedPng, template, testExecutor, tinyTextToImage, useTestExecutor } from "./helpers";

const { services, dataDir } = useTestExecutor("unclip-executor-");

const started = (events: RunEvent[]) => events.flatMap((e) => (e.type === "node.started" ? [e.nodeId] : []));
const planOf = (wf: Workflow) => validateWorkflow(wf, registry, { modelsDir: services.modelsDir }).plan!.order.map((n) => n.id);

/** The saved PNG's pixels equal diffusers' 8-bit rounding of the pipeline's image. */
async function expectSamePixels(saved: SavedPng, images: Float32NdArray, index = 0) {
  const { data, info } = await sharp(saved.png).raw().toBuffer({ resolveWithObject: true });
  const ref = toRgb8(images, index);
  expect([info.width, info.height, info.channels]).toEqual([ref.width, ref.height, 3]);
  expect(Buffer.from(data).equals(Buffer.from(ref.rgb))).toBe(true);
}

describe("executor (no model)", () => {
  it("runs nodes in dependency order, whatever their order in the file", async () => {
    const { report, events } = await run(services, noiseGraph());
    expect(started(events)).toEqual(["seed", "noise", "inspect"]);
    expect(report.ran).toEqual(["seed", "noise", "inspect"]);
    expect(report.cached).toEqual([]);
    expect(Object.keys(report.nodeMs).sort()).toEqual(["inspect", "noise", "seed"]);
    expect(report.ui.inspect).toBeDefined();
  });

  it("refuses an invalid workflow before running anything, with every problem", async () => {
    const wf = graph(
      [
        ["inspect", "unclip.tensor_inspector"],
        ["s", "unclip.seed", { seed: -1 }],
        ["p", "unclip.preview_image"],
      ],
      [["s.seed", "inspect.value"]],
    );
    const events: RunEvent[] = [];
    const err = await run(services, wf, { onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailed);
    expect((err as ValidationFailed).errors.map((e) => e.code).sort()).toEqual(["missing_input", "param_out_of_range"]);
    expect(toRunError(err)).toMatchObject({ code: (err as ValidationFailed).errors[0].code });
    expect(events).toEqual([]);
  });

  it("reports a failing node by id, with a node.error event", async () => {
    const wf = graph(
      [
        ["image", "unclip.load_image", { image: "" }],
        ["preview", "unclip.preview_image"],
      ],
      [["image.image", "preview.image"]],
    );
    const { events, err } = await (async () => {
      const events: RunEvent[] = [];
      const err = await run(services, wf, { onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
      return { events, err };
    })();
    expect(err).toBeInstanceOf(NodeFailed);
    expect((err as NodeFailed).nodeId).toBe("image");
    expect(toRunError(err)).toMatchObject({ code: "missing_image", nodeId: "image", param: "image" });
    expect(events.find((e) => e.type === "node.error")).toMatchObject({ nodeId: "image", code: expect.any(String) as unknown });
    expect(started(events)).toEqual(["image"]);
  });

  it("does nothing when the signal is already aborted, even for a fully cached graph", async () => {
    await run(services, noiseGraph());
    const controller = new AbortController();
    controller.abort();
    const events: RunEvent[] = [];
    await expect(run(services, noiseGraph(), { signal: controller.signal, onEvent: (e) => events.push(e) })).rejects.toBeInstanceOf(CancelledError);
    expect(events).toEqual([]);
  });

  it("never caches a randomized seed and re-runs what depends on it, without filling the cache", async () => {
    const wf = noiseGraph();
    wf.nodes.find((n) => n.id === "seed")!.params.randomize = true;
    const first = await run(services, wf);
    const entries = services.cache.size;
    const second = await run(services, wf);
    expect(first.report.ran).toEqual(["seed", "noise", "inspect"]);
    expect(second.report.ran).toEqual(["seed", "noise", "inspect"]);
    expect(second.report.cached).toEqual([]);
    expect(second.report.ui.seed!.text).not.toBe(first.report.ui.seed!.text);
    // nothing downstream of a fresh seed could ever be asked for again
    expect(services.cache.size).toBe(entries);
  });

  it("evicts the least recently used outputs when the byte limit is reached", async () => {
    const small = testExecutor({ cacheBytes: 1 << 20 });
    try {
      const a = noiseGraph(1);
      const b = noiseGraph(2);
      expect((await run(small, a)).report.ran).toContain("noise");
      expect((await run(small, a)).report.ran).toEqual([]);
      // room for one graph's outputs, not two: b's noise must push a's out
      const oneGraph = small.cache.bytes;
      small.cache.setLimit(oneGraph + 100);
      expect((await run(small, b)).report.ran).toContain("noise");
      expect(small.cache.bytes).toBeLessThanOrEqual(oneGraph + 100);
      // a's noise is gone, but its inspector's (tiny) result is still cached: nothing needs to run
      expect((await run(small, a)).report.ran).toEqual([]);
      // and b, used last, is still cached
      expect((await run(small, b)).report.ran).toEqual([]);
      small.cache.clear();
      expect(small.cache.size).toBe(0);
      expect((await run(small, a)).report.ran).toEqual(["seed", "noise", "inspect"]);
    } finally {
      await small.models.unload();
    }
  });
  it("does not re-run evicted upstream nodes when everything they feed is still cached", async () => {
    const small = testExecutor({ cacheBytes: 1 << 20 });
    try {
      const wf = noiseGraph(3);
      expect((await run(small, wf)).report.ran).toEqual(["seed", "noise", "inspect"]);
      // keep only the smallest, most recent entry (the inspector's): seed and noise are evicted
      small.cache.setLimit(1);
      expect(small.cache.size).toBe(1);
      const again = await run(small, wf);
      expect(again.report.ran).toEqual([]);
      expect(again.report.cached).toEqual(["seed", "noise", "inspect"]);
      expect(again.events.filter((e) => e.type === "node.started")).toEqual([]);
    } finally {
      await small.models.unload();
    }
  });
});

describeWithFixtures("executor on unclip-tiny", () => {
  it("runs the Text to image template in dependency order, each needed node once", async () => {
    const wf = tinyTextToImage({ seed: { seed: 3 } });
    const { report, events } = await run(services, wf);
    const order = started(events);
    expect(order).toEqual(report.ran);
    expect([...order].sort()).toEqual(planOf(wf).sort());
    expect(order).not.toContain("note");
    for (const l of wf.links) expect(order.indexOf(l.from.node), `${l.from.node} before ${l.to.node}`).toBeLessThan(order.indexOf(l.to.node));
    // sampler progress arrives between its node's start and finish
    const at = (type: string, node: string) => events.findIndex((e) => e.type === type && "nodeId" in e && e.nodeId === node);
    const firstProgress = at("node.progress", "decoder");
    expect(firstProgress).toBeGreaterThan(at("node.started", "decoder"));
    expect(firstProgress).toBeLessThan(at("node.finished", "decoder"));
  });

  it("caches: a second run is all cached but Save Image; a decoder change re-runs only decoder, super-res and outputs", async () => {
    const wf = tinyTextToImage({ seed: { seed: 7 } });
    const plan = planOf(wf);
    const first = await run(services, wf);
    expect(first.report.ran).toHaveLength(plan.length);

    const second = await run(services, wf);
    // Save Image is never cached: an unchanged run still saves its image (a new gallery entry)
    expect(second.report.ran).toEqual(["save"]);
    expect([...second.report.cached].sort()).toEqual(plan.filter((id) => id !== "save").sort());
    expect(started(second.events)).toEqual(["save"]);
    expect(second.events.filter((e) => e.type === "node.cached")).toHaveLength(plan.length - 1);
    // a cached output node shows what it showed when it ran; Save Image saved the same pixels again, as a new file
    expect(second.report.ui.preview).toEqual(first.report.ui.preview);
    const images = (r: typeof first) => (r.report.ui.save as { images: { id: string }[] }).images;
    expect(images(second)).toHaveLength(images(first).length);
    expect(images(second)[0].id).not.toBe(images(first)[0].id);

    const changed = tinyTextToImage({ seed: { seed: 7 }, decoder: { guidanceScale: 3 } });
    const third = await run(services, changed);
    expect([...third.report.ran].sort()).toEqual(["decoder", "preview", "save", "superRes"]);
    expect(third.report.ran).toHaveLength(4);
    expect([...third.report.cached].sort()).toEqual(plan.filter((id) => !["decoder", "preview", "save", "superRes"].includes(id)).sort());
    expect(third.report.cached).toContain("prior");

    services.cache.clear();
    expect((await run(services, changed)).report.ran).toHaveLength(plan.length);
  });

  it("with Randomize on, the seed and everything it feeds run every time", async () => {
    const wf = tinyTextToImage({ seed: { seed: 1, randomize: true } });
    await run(services, wf);
    const { report } = await run(services, wf);
    expect([...report.ran].sort()).toEqual(["decoder", "preview", "prior", "save", "seed", "superRes", "textProj"]);
    expect([...report.cached].sort()).toEqual(["decoderScheduler", "package", "priorScheduler", "superResScheduler", "textEncoder", "tokenizer"]);
  });

  it("Text to image gives exactly the pixels of text2image for the same seed and steps", async () => {
    const wf = tinyTextToImage({ seed: { seed: 1234 }, tokenizer: { prompt: "a blue square" }, decoder: { guidanceScale: 5 } });
    await run(services, wf);
    const components = await services.models.load(PACKAGE);
    const ref = await text2image(components, {
      prompt: "a blue square",
      seed: 1234,
      decoderGuidanceScale: 5,
      // the template starts from the default toy package's prior guidance (its _pipeline_defaults), not unclip-tiny's
      priorGuidanceScale: DEFAULT_PACKAGE_PRIOR_GUIDANCE,
      priorNumInferenceSteps: 2,
      decoderNumInferenceSteps: 2,
      superResNumInferenceSteps: 2,
    });
    const saved = services.saved.filter((s) => s.nodeId === "save");
    expect(saved).toHaveLength(1);
    expect(saved[0].info).toMatchObject({ kind: "image", index: 0, width: ref.images.shape[2], height: ref.images.shape[1] });
    await expectSamePixels(saved[0], ref.images);
    // the preview node saved the decoder's small image as a preview
    expect(services.saved.find((s) => s.nodeId === "preview")!.info.kind).toBe("preview");
  });

  it("Image variation from an upload gives exactly the pixels of imageVariation", async () => {
    const png = await readFile(path.join(TINY_CASES, "variation-image", "input.png"));
    const upload = await saveUpload(readEnv({ DATA_DIR: dataDir }), png, "input.png");
    const wf = template("Image variation", {
      package: { package: PACKAGE },
      seed: { seed: 106 },
      image: { image: upload.name },
      decoderScheduler: { numInferenceSteps: 2 },
      superResScheduler: { numInferenceSteps: 2 },
    });
    await run(services, wf);
    const components = await services.models.load(PACKAGE);
    const ref = await imageVariation(components, {
      image: await decodeImage(png, "input.png"),
      seed: 106,
      decoderNumInferenceSteps: 2,
      superResNumInferenceSteps: 2,
    });
    const saved = services.saved.filter((s) => s.nodeId === "save");
    expect(saved).toHaveLength(1);
    await expectSamePixels(saved[0], ref.images);
  });

  it("saved PNGs carry the workflow, which parses back to the same workflow", async () => {
    const wf = tinyTextToImage({ seed: { seed: 99 }, prior: { numImagesPerPrompt: 2 } });
    wf.name = "round trip ✓ (unicode)";
    await run(services, wf);
    const saved = services.saved.filter((s) => s.nodeId === "save");
    expect(saved.map((s) => s.info.index)).toEqual([0, 1]);
    for (const s of saved) {
      const text = readPngTextChunks(s.png)[WORKFLOW_PNG_KEYWORD];
      expect(text).toBeDefined();
      expect(parseWorkflow(text)).toEqual(wf);
    }
  });

  it("a PNG made with Randomize on records the seed that was drawn, and reproduces the image", async () => {
    const wf = tinyTextToImage({ seed: { seed: 1, randomize: true } });
    const first = await run(services, wf);
    const saved = services.saved.find((s) => s.nodeId === "save")!;
    const embedded = parseWorkflow(readPngTextChunks(saved.png)[WORKFLOW_PNG_KEYWORD]);
    const seedNode = embedded.nodes.find((n) => n.id === "seed")!;
    expect(seedNode.params.randomize).toBe(false);
    expect(`seed ${String(seedNode.params.seed)}`).toBe((first.report.ui.seed as { text: string }).text);
    services.saved.length = 0;
    services.cache.clear();
    await run(services, embedded);
    const again = services.saved.find((s) => s.nodeId === "save")!;
    const pixels = async (png: Uint8Array) => (await sharp(png).raw().toBuffer()).toString("base64");
    expect(await pixels(again.png)).toBe(await pixels(saved.png));
  });

  it("stops within one step of a cancel during the decoder, and the next run works", async () => {
    const controller = new AbortController();
    let afterAbort = 0;
    const onEvent = (e: RunEvent) => {
      if (e.type !== "node.progress") return;
      if (controller.signal.aborted) afterAbort += 1;
      else if (e.nodeId === "decoder" && e.step === 2) controller.abort();
    };
    const wf = tinyTextToImage({ seed: { seed: 5 }, decoderScheduler: { numInferenceSteps: 40 } });
    const t0 = performance.now();
    await expect(run(services, wf, { signal: controller.signal, onEvent })).rejects.toBeInstanceOf(CancelledError);
    expect(controller.signal.aborted).toBe(true);
    expect(afterAbort).toBeLessThanOrEqual(1);
    // far from the 40 steps it was asked for
    expect(performance.now() - t0).toBeLessThan(60_000);

    const next = await run(services, tinyTextToImage({ seed: { seed: 5 } }));
    expect(next.report.ran).toContain("save");
    // what finished before the cancel was kept
    expect(next.report.cached).toEqual(expect.arrayContaining(["package", "tokenizer", "textEncoder", "prior", "textProj"]));
  });
});
