/** Session options from UNCLIP_ORT_* variables: intra-op spinning (off unless UNCLIP_ORT_SPINNING=1). */
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterEach, describe, expect, it } from "vitest";
import { defaultTuning, toSessionOptions } from "../../server/runtime/sessionOptions";
import { HAVE_FIXTURES, TINY_PACKAGE } from "../helpers/fixtures";

const saved = process.env.UNCLIP_ORT_SPINNING;
afterEach(() => {
  if (saved === undefined) delete process.env.UNCLIP_ORT_SPINNING;
  else process.env.UNCLIP_ORT_SPINNING = saved;
});

describe("intra-op spinning", () => {
  it("is off by default and on with UNCLIP_ORT_SPINNING=1, passed to onnxruntime as a session config entry", () => {
    delete process.env.UNCLIP_ORT_SPINNING;
    expect(defaultTuning().allowSpinning).toBe(false);
    expect(toSessionOptions(defaultTuning(), ["cpu"]).extra).toEqual({ session: { "intra_op.allow_spinning": "0" } });
    process.env.UNCLIP_ORT_SPINNING = "1";
    expect(defaultTuning().allowSpinning).toBe(true);
    expect(toSessionOptions(defaultTuning(), ["cpu"]).extra).toEqual({ session: { "intra_op.allow_spinning": "1" } });
  });

  it.skipIf(!HAVE_FIXTURES)("is accepted by onnxruntime-node, and the outputs do not depend on it", async () => {
    const file = path.join(TINY_PACKAGE, "text_proj", "model.onnx");
    const outputs: Float32Array[] = [];
    for (const allowSpinning of [false, true]) {
      const session = await ort.InferenceSession.create(file, toSessionOptions({ ...defaultTuning(), allowSpinning }, ["cpu"]));
      const feeds: Record<string, ort.Tensor> = {};
      for (const [i, name] of session.inputNames.entries()) {
        const meta = session.inputMetadata[i];
        const dims = (meta.isTensor ? meta.shape : []).map((d) => (typeof d === "number" ? d : 2));
        const n = dims.reduce((a, b) => a * b, 1);
        feeds[name] = new ort.Tensor(
          "float32",
          Float32Array.from({ length: n }, (_, k) => Math.sin(k + i)),
          dims,
        );
      }
      const out = await session.run(feeds);
      outputs.push(out[session.outputNames[0]].data as Float32Array);
      await session.release();
    }
    expect(Buffer.from(outputs[0].buffer).equals(Buffer.from(outputs[1].buffer))).toBe(true);
  });
});
