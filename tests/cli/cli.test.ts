/** The `unclip` command line, run as a real process. */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { readNpyFile } from "../../server/unclip/npy";
import { callArg, caseArray, diffStats, discoverCases, type GoldenCase } from "../helpers/cases";
import { describeWithFixtures, FIXTURES_DIR, SMALL_PACKAGE, TINY_CASES, TINY_PACKAGE } from "../helpers/fixtures";
import { runUnclip } from "../helpers/cli";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const unclip = (args: string[]) => runUnclip(args);

/** CLI arguments reproducing a reference case (its inputs, latents and step noise). */
function caseArgs(c: GoldenCase): string[] {
  const a: string[] = [c.json.pipeline === "variation" ? "variation" : "generate", "--model", path.join(FIXTURES_DIR, c.json.package), "--quiet"];
  const call = (name: string, flag: string) => {
    const v = callArg<number | string | boolean>(c, name);
    if (v !== undefined) a.push(`--${flag}`, String(v));
  };
  if (c.json.pipeline === "text2img") {
    const p = callArg<string | string[]>(c, "prompt");
    for (const text of Array.isArray(p) ? p : [p!]) a.push("--prompt", text);
    call("prior_num_inference_steps", "prior-num-inference-steps");
    call("prior_guidance_scale", "prior-guidance-scale");
  }
  call("num_images_per_prompt", "num-images-per-prompt");
  call("decoder_num_inference_steps", "decoder-num-inference-steps");
  call("super_res_num_inference_steps", "super-res-num-inference-steps");
  call("decoder_guidance_scale", "decoder-guidance-scale");
  for (const [name, file] of Object.entries(c.json.inputs)) {
    const files = Array.isArray(file) ? file : [file];
    const flag = name === "image" ? "image" : name.replace(/_/g, "-");
    for (const f of files) a.push(`--${flag}`, path.join(c.dir, f));
  }
  return a;
}

describeWithFixtures("unclip CLI on the reference cases", () => {
  for (const c of discoverCases()) {
    it(`${c.name}: ${c.json.expected_error ? "exit 2 with a one-line reason" : "the image matches diffusers"}`, async () => {
      const out = path.join(tmp, `${c.name}.npy`);
      const r = await unclip([...caseArgs(c), "--output", out, "--output-type", "npy"]);
      if (c.json.expected_error) {
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        return;
      }
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const got = await readNpyFile(out);
      const exp = await caseArray(c, c.json.expected.image.file);
      expect(got.shape).toEqual(exp.shape);
      const s = diffStats(got.data as Float32Array, exp.data as Float32Array);
      expect(s.mean).toBeLessThanOrEqual(1e-4);
      expect(s.fractionOver).toBeLessThanOrEqual(0.01);
      expect(s.max).toBeLessThanOrEqual(0.1);
    });
  }
});

describeWithFixtures("unclip generate / variation", () => {
  it("writes PNGs numbered -0, -1 for several images and every intermediate", async () => {
    const out = path.join(tmp, "many", "img.png");
    const inter = path.join(tmp, "inter");
    const r = await unclip([
      "generate",
      "--model",
      TINY_PACKAGE,
      "--prompt",
      "a cat",
      "--prompt",
      "a dog",
      "--num-images-per-prompt",
      "2",
      "--prior-num-inference-steps",
      "3",
      "--decoder-num-inference-steps",
      "3",
      "--super-res-num-inference-steps",
      "2",
      "--seed",
      "7",
      "--output",
      out,
      "--save-intermediates",
      inter,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/decoder\s+3\/3 steps/);
    expect(r.stderr).toMatch(/seed 7 · provider cpu/);
    for (let i = 0; i < 4; i++) {
      const meta = await sharp(path.join(tmp, "many", `img-${i}.png`)).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([64, 64, 3]);
    }
    const names = readdirSync(inter);
    for (const n of ["input_ids", "attention_mask", "text_embeds", "text_encoder_hidden_states", "image_embeddings", "decoder_image"]) {
      expect(names).toContain(`${n}.npy`);
    }
    expect((await readNpyFile(path.join(inter, "image_embeddings.npy"))).shape).toEqual([4, 32]);
  });

  it("gives the same image for the same seed, and another for another seed", async () => {
    const run = async (seed: string, name: string) => {
      const out = path.join(tmp, name);
      const r = await unclip([
        "generate",
        "--model",
        TINY_PACKAGE,
        "--prompt",
        "horse",
        "--prior-num-inference-steps",
        "2",
        "--decoder-num-inference-steps",
        "2",
        "--super-res-num-inference-steps",
        "2",
        "--seed",
        seed,
        "--output",
        out,
        "--output-type",
        "npy",
        "-q",
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (await readNpyFile(out)).data as Float32Array;
    };
    const a = await run("11", "s1.npy");
    const b = await run("11", "s2.npy");
    const c = await run("12", "s3.npy");
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it("runs the variation pipeline from a JPEG", async () => {
    const jpg = path.join(tmp, "in.jpg");
    await sharp(path.join(TINY_CASES, "variation-image", "input.png"))
      .jpeg()
      .toFile(jpg);
    const out = path.join(tmp, "var.png");
    const r = await unclip([
      "variation",
      "--model",
      TINY_PACKAGE,
      "--image",
      jpg,
      "--decoder-num-inference-steps",
      "2",
      "--super-res-num-inference-steps",
      "2",
      "--output",
      out,
      "-q",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect((await sharp(out).metadata()).width).toBe(64);
  });

  it("runs both pipelines on unclip-small (64 → 256 px)", async () => {
    const out = path.join(tmp, "small.npy");
    const r = await unclip([
      "generate",
      "--model",
      SMALL_PACKAGE,
      "--prompt",
      "a lighthouse",
      "--prior-num-inference-steps",
      "2",
      "--decoder-num-inference-steps",
      "2",
      "--super-res-num-inference-steps",
      "2",
      "--output",
      out,
      "--output-type",
      "npy",
      "-q",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readNpyFile(out)).shape).toEqual([1, 256, 256, 3]);
    const vout = path.join(tmp, "small-var.png");
    const v = await unclip([
      "variation",
      "--model",
      SMALL_PACKAGE,
      "--image",
      path.join(TINY_CASES, "variation-image", "input.png"),
      "--decoder-num-inference-steps",
      "2",
      "--super-res-num-inference-steps",
      "2",
      "--output",
      vout,
      "-q",
    ]);
    expect(v.code, v.stderr).toBe(0);
    expect((await sharp(vout).metadata()).width).toBe(256);
  });
});

describeWithFixtures("unclip bad input: exit 2, one line, no stack trace", () => {
  const base = ["--model", TINY_PACKAGE, "--output", path.join(tmp, "x.png")];
  const fortran = path.join(tmp, "fortran.npy");
  const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 32), }";
  const padded = header + " ".repeat(64 - ((10 + header.length + 1) % 64)) + "\n";
  const buf = Buffer.alloc(10 + padded.length + 128);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(buf);
  buf.writeUInt16LE(padded.length, 8);
  buf.write(padded, 10, "latin1");
  writeFileSync(fortran, buf);
  const notImage = path.join(tmp, "not-image.png");
  writeFileSync(notImage, "this is not a picture");

  const cases: [string, string[], RegExp][] = [
    ["unknown flag", ["generate", ...base, "--prompt", "x", "--bogus"], /Unknown option '--bogus'/],
    ["unknown command", ["paint"], /unknown command "paint"/],
    ["missing model dir", ["generate", "--model", path.join(tmp, "nope"), "--prompt", "x", "--output", "x.png"], /does not exist/],
    ["missing prompt", ["generate", ...base], /--prompt TEXT is required/],
    ["missing output", ["generate", "--model", TINY_PACKAGE, "--prompt", "x"], /--output PATH is required/],
    [
      "latents of the wrong shape",
      ["generate", ...base, "--prompt", "x", "--prior-latents", path.join(TINY_CASES, "t2i-num-images-2", "prior_latents.npy")],
      /--prior-latents: unexpected latents shape, got \[2, 32\], expected \[1, 32\]/,
    ],
    [
      "step noise of the wrong shape",
      ["generate", ...base, "--prompt", "x", "--decoder-step-noise", path.join(TINY_CASES, "t2i-basic", "decoder_step_noise.npy")],
      /--decoder-step-noise/,
    ],
    ["unreadable image", ["variation", ...base, "--image", notImage], /not-image\.png/],
    ["missing image file", ["variation", ...base, "--image", path.join(tmp, "none.png")], /no such file/],
    ["steps < 1", ["generate", ...base, "--prompt", "x", "--decoder-num-inference-steps", "0"], /--decoder-num-inference-steps must be at least 1/],
    [
      "one super-res step",
      ["generate", ...base, "--prompt", "x", "--super-res-num-inference-steps", "1"],
      /--super-res-num-inference-steps must be an integer of at least 2/,
    ],
    ["non-finite guidance", ["generate", ...base, "--prompt", "x", "--prior-guidance-scale", "inf"], /--prior-guidance-scale must be a finite number/],
    ["a non-integer seed", ["generate", ...base, "--prompt", "x", "--seed", "1.5"], /--seed must be an integer/],
    ["bad device", ["generate", ...base, "--prompt", "x", "--device", "tpu"], /--device must be one of auto, cpu, cuda/],
    ["Fortran-order npy", ["generate", ...base, "--prompt", "x", "--prior-latents", fortran], /Fortran-order/],
    ["unsupported output type", ["generate", ...base, "--prompt", "x", "--output-type", "gif"], /--output-type must be one of png, npy/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const r = await unclip(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
  it("no file is written on refusal", () => {
    expect(existsSync(path.join(tmp, "x.png"))).toBe(false);
  });
});

describe("unclip usage", () => {
  it("prints help with exit 0", async () => {
    const r = await unclip(["generate", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--prior-step-noise/);
  });
});
