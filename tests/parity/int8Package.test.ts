import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadModelPackage, TEXT_TO_IMAGE_COMPONENTS } from "../../server/runtime/modelPackage";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { int8CopyOf, pythonProblem } from "../../scripts/lib/int8Bench";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";

const PYTHON = "/usr/bin/python3";
const problem = pythonProblem(PYTHON);
const root = mkdtempSync(path.join(os.tmpdir(), "unclip-int8-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeWithFixtures("an int8 package (the exporter's --int8 rewrite of unclip-tiny)", () => {
  it.skipIf(problem !== null)(
    `loads like any package, says int8, and generates an image${problem ? ` (skipped: ${problem})` : ""}`,
    async () => {
      // prompt calibration with the app's tokenizer through quantize_int8, as npm run bench makes its copy
      const dir = await int8CopyOf(PYTHON, TINY_PACKAGE, () => {}, root);
      expect(existsSync(path.join(dir, "int8_drift.json"))).toBe(true);
      const pkg = await loadModelPackage(dir);
      expect(pkg.precision).toMatchObject({ prior: "int8", decoder: "int8", super_res_first: "int8", super_res_last: "int8", text_encoder: "float32" });

      const options = { prompt: "a red circle", seed: 7, priorNumInferenceSteps: 3, decoderNumInferenceSteps: 3, superResNumInferenceSteps: 2 };
      const images: Float32Array[] = [];
      for (const d of [TINY_PACKAGE, dir]) {
        const pool = new SessionPool("cpu", { intraOpNumThreads: 1 });
        try {
          const components = await UnclipComponents.load(d, pool);
          await components.prepare(TEXT_TO_IMAGE_COMPONENTS);
          images.push((await text2image(components, options)).images.data);
        } finally {
          await pool.release();
        }
      }
      const [fp32, int8] = images;
      expect(int8.length).toBe(fp32.length);
      expect(int8.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
      // the int8 graphs really ran: the image differs from float32's somewhere
      expect(int8.some((v, i) => v !== fp32[i])).toBe(true);
    },
    180_000,
  );
});
