/**
 * Work limits at validation (on the node and parameter that set them, before anything runs),
 * teach.schedule's scheduler-chain rule, and cancel within one step during the largest batch
 * the limits allow — on the real node library and the tiny model package.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { assertSchedulerChain } from "../../server/api/scheduleChain";
import { CancelledError, UnclipError } from "../../server/errors";
import type { RunEvent } from "../../nodes/core/runEvents";
import { uploadExistsIn } from "../../server/graph/inputFiles";
import { validateWorkflow } from "../../server/graph/validate";
import { DEFAULT_LIMITS, type Limits } from "../../server/limitsConfig";
import { describeWithFixtures, FIXTURES_DIR } from "../helpers/fixtures";
import { registry, run, template, testExecutor, tinyTextToImage } from "./helpers";

const limits: Limits = { ...DEFAULT_LIMITS };
const check = (wf: ReturnType<typeof tinyTextToImage>, extra: Partial<Parameters<typeof validateWorkflow>[2]> = {}) =>
  validateWorkflow(wf, registry, { modelsDir: FIXTURES_DIR, limits, ...extra });

describeWithFixtures("work limits at validation", () => {
  it("refuses 64 prompts × 64 images at once, on the nodes that set them, naming the limit and its setting", () => {
    const prompts = Array.from({ length: 64 }, (_, i) => `a red circle number ${i}`).join("\n");
    const { errors, plan } = check(tinyTextToImage({ tokenizer: { prompt: prompts, batch: true }, prior: { numImagesPerPrompt: 64 } }));
    expect(plan).toBeUndefined();
    const lines = errors.find((e) => e.nodeId === "tokenizer" && e.message.includes("prompt lines"))!;
    expect(lines).toMatchObject({ code: "limit_exceeded", param: "prompt" });
    expect(lines.message).toContain("prompt lines limit exceeded: 64 asked for, the limit is 16 (set UNCLIP_MAX_PROMPT_LINES to raise it)");
    // the rows go over the limit at the tokenizer already: reported once, not on every node after
    expect(errors.filter((e) => e.message.includes("images per run"))).toHaveLength(1);
  });

  it("refuses images per prompt over the limit on the Prior's parameter", () => {
    const { errors } = check(tinyTextToImage({ prior: { numImagesPerPrompt: 64 } }));
    expect(errors).toEqual([
      expect.objectContaining({
        code: "limit_exceeded",
        nodeId: "prior",
        param: "numImagesPerPrompt",
        message: expect.stringContaining("images per run limit exceeded: 64 asked for, the limit is 16 (set UNCLIP_MAX_IMAGES_PER_RUN to raise it)") as unknown,
      }),
    ]);
    // the largest allowed run passes
    expect(check(tinyTextToImage({ prior: { numImagesPerPrompt: 16 } })).errors).toEqual([]);
    // and the setting raises it
    expect(
      validateWorkflow(tinyTextToImage({ prior: { numImagesPerPrompt: 64 } }), registry, {
        modelsDir: FIXTURES_DIR,
        limits: { ...limits, maxImagesPerRun: 64 },
      }).errors,
    ).toEqual([]);
  });

  it("counts prompt lines × images per prompt", () => {
    const { errors } = check(tinyTextToImage({ tokenizer: { prompt: "a\nb\nc\nd\ne", batch: true }, prior: { numImagesPerPrompt: 4 } }));
    expect(errors).toEqual([expect.objectContaining({ nodeId: "prior", message: expect.stringContaining("20 asked for, the limit is 16") as unknown })]);
  });

  it("refuses steps over the limit on the Scheduler node", () => {
    const { errors } = check(tinyTextToImage({ decoderScheduler: { numInferenceSteps: 1000 } }));
    expect(errors).toEqual([
      expect.objectContaining({
        code: "limit_exceeded",
        nodeId: "decoderScheduler",
        param: "numInferenceSteps",
        message: expect.stringContaining("steps per sampler limit exceeded: 1000 asked for, the limit is 200 (set UNCLIP_MAX_STEPS to raise it)") as unknown,
      }),
    ]);
  });

  it("refuses a workflow snapshot over the limit", () => {
    const wf = tinyTextToImage();
    wf.meta = { padding: "x".repeat(limits.maxSnapshotBytes) };
    const { errors } = check(wf);
    expect(errors).toEqual([
      expect.objectContaining({ code: "limit_exceeded", message: expect.stringContaining("(set UNCLIP_MAX_SNAPSHOT_BYTES to raise it)") as unknown }),
    ]);
  });

  it("checks Load Image names at validation", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-limits-"));
    try {
      const wf = template("Image variation", { package: { package: "unclip-tiny" }, image: { image: `${"a".repeat(64)}.png` } });
      const { errors } = check(wf, { inputFileExists: uploadExistsIn(dir) });
      expect(errors).toEqual([
        expect.objectContaining({
          code: "input_file_not_found",
          nodeId: "image",
          param: "image",
          message: expect.stringContaining("is not an uploaded file") as unknown,
        }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a missing model package relative to MODELS_DIR, never by absolute path", () => {
    const { errors } = check(tinyTextToImage({ package: { package: "no-such-package" } }));
    expect(errors[0]).toMatchObject({ code: "model_not_found" });
    expect(errors[0].message).toContain('no model package "no-such-package" in the models directory (MODELS_DIR)');
    expect(errors[0].message).not.toContain(FIXTURES_DIR);
  });

  it("teach.schedule evaluates only scheduler chains: a Save Image or a sampler is refused", () => {
    const wf = tinyTextToImage();
    expect(() => assertSchedulerChain(wf, registry, "decoderScheduler", FIXTURES_DIR)).not.toThrow();
    for (const id of ["save", "decoder", "prior"]) {
      let err: unknown;
      try {
        assertSchedulerChain(wf, registry, id, FIXTURES_DIR);
      } catch (e) {
        err = e;
      }
      expect(err, id).toBeInstanceOf(UnclipError);
      expect((err as UnclipError).code, id).toBe("not_a_scheduler");
    }
  });
});

describeWithFixtures("cancel during the largest allowed batch", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "unclip-cancel-"));
  const services = testExecutor({ dataDir });
  afterAll(async () => {
    await services.models.unload();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops within one denoising step of the cancel, in the decoder and in super-res", async () => {
    for (const node of ["decoder", "superRes"]) {
      const controller = new AbortController();
      let stepsAfterAbort = 0;
      let timersDuringRun = 0;
      // a timer that keeps firing while the run goes: the event loop is never held for a whole stage
      const ticker = setInterval(() => (timersDuringRun += 1), 5);
      const onEvent = (e: RunEvent) => {
        if (e.type !== "node.progress") return;
        if (controller.signal.aborted) stepsAfterAbort += 1;
        else if (e.nodeId === node && e.step === 2) controller.abort();
      };
      const wf = tinyTextToImage({
        prior: { numImagesPerPrompt: limits.maxImagesPerRun },
        decoderScheduler: { numInferenceSteps: 40 },
        superResScheduler: { numInferenceSteps: 40 },
        seed: { seed: 9 },
      });
      try {
        await expect(run(services, wf, { signal: controller.signal, onEvent })).rejects.toBeInstanceOf(CancelledError);
      } finally {
        clearInterval(ticker);
      }
      expect(controller.signal.aborted, node).toBe(true);
      expect(stepsAfterAbort, node).toBeLessThanOrEqual(1);
      expect(timersDuringRun, node).toBeGreaterThan(0);
    }
  }, 300_000);
});
