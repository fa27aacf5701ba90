import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PackageError } from "../../server/errors";
import {
  ALL_COMPONENTS,
  type Component,
  loadModelPackage,
  requireComponents,
  TEXT_TO_IMAGE_COMPONENTS,
  VARIATION_COMPONENTS,
} from "../../server/runtime/modelPackage";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { writeNpyFile } from "../../server/unclip/npy";
import { describeWithFixtures, SMALL_PACKAGE, TINY_PACKAGE } from "../helpers/fixtures";

/** Every component either pipeline prepares, in the order a text2img run would touch them. */
const EVERY_PIPELINE_COMPONENT: readonly Component[] = [...new Set([...TEXT_TO_IMAGE_COMPONENTS, ...VARIATION_COMPONENTS])];

const tempDirs: string[] = [];

/**
 * A writable copy of a package under os.tmpdir(). Files are copied (never linked), so edits can
 * never reach the read-only shared fixtures.
 */
function copyPackage(src: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "unclip-pkg-"));
  tempDirs.push(root);
  const dest = path.join(root, path.basename(src));
  const copyDir = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const a = path.join(from, entry.name);
      const b = path.join(to, entry.name);
      if (entry.isDirectory()) copyDir(a, b);
      else {
        copyFileSync(a, b);
        chmodSync(b, 0o644); // the fixtures are read-only; the copy must be editable
      }
    }
  };
  copyDir(src, dest);
  return dest;
}

function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
}

function cleanTemp(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

function tinyPool(): SessionPool {
  // one thread: the test machine's cores are shared
  return new SessionPool("cpu", { intraOpNumThreads: 1 });
}

/**
 * Loads the package and prepares the components a pipeline would, expecting a PackageError.
 * Whatever fails must fail before any graph has run.
 */
async function packageFailure(dir: string, components: readonly Component[] = EVERY_PIPELINE_COMPONENT): Promise<PackageError> {
  const pool = tinyPool();
  try {
    const unclip = await UnclipComponents.load(dir, pool);
    await unclip.prepare(components);
  } catch (err) {
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).kind).toBe("bad_package");
    expect(pool.stats.sessionRuns).toBe(0);
    return err as PackageError;
  } finally {
    await pool.release();
  }
  throw new Error(`${dir} was accepted`);
}

afterAll(cleanTemp);

describeWithFixtures("loading the reference packages", () => {
  it("unclip-tiny: every component, with the configs the contract describes", async () => {
    const pkg = await loadModelPackage(TINY_PACKAGE);
    expect(pkg.dir).toBe(path.resolve(TINY_PACKAGE));
    expect(pkg.name).toBe("unclip-tiny");
    expect(pkg.index._class_name).toBe("UnCLIPPipeline");
    expect([...pkg.components].sort()).toEqual([...ALL_COMPONENTS].sort());
    const c = pkg.configs;
    expect(c.text_encoder).toMatchObject({ hidden_size: 32, projection_dim: 32, max_position_embeddings: 77, vocab_size: 49408 });
    expect(c.prior).toMatchObject({ embedding_dim: 32, num_embeddings: 77 });
    expect(c.text_proj).toMatchObject({ clip_embeddings_dim: 32, clip_extra_context_tokens: 4, cross_attention_dim: 100, time_embed_dim: 128 });
    expect(c.decoder).toMatchObject({ sample_size: 32, in_channels: 3, out_channels: 6, cross_attention_dim: 100 });
    expect(c.super_res_first).toMatchObject({ sample_size: 64, in_channels: 6, out_channels: 3 });
    expect(c.super_res_last).toMatchObject({ sample_size: 64, in_channels: 6, out_channels: 3 });
    expect(c.image_encoder).toMatchObject({ image_size: 32, projection_dim: 32 });
    expect(c.feature_extractor?.crop_size).toEqual({ height: 32, width: 32 });
    expect(c.feature_extractor?.size).toEqual({ shortest_edge: 32 });
    expect(c.tokenizer?.model_max_length).toBe(77);
    expect(c.decoder_scheduler).toMatchObject({ variance_type: "learned_range" });
    expect(c.super_res_scheduler).toMatchObject({ variance_type: "fixed_small_log" });
    expect(() => requireComponents(pkg, TEXT_TO_IMAGE_COMPONENTS, "text-to-image")).not.toThrow();
    expect(() => requireComponents(pkg, VARIATION_COMPONENTS, "image variation")).not.toThrow();
  });

  it("unclip-small: configs only (no sessions)", async () => {
    const pkg = await loadModelPackage(SMALL_PACKAGE);
    expect(pkg.name).toBe("unclip-small");
    expect([...pkg.components].sort()).toEqual([...ALL_COMPONENTS].sort());
    const c = pkg.configs;
    expect(c.text_encoder).toMatchObject({ hidden_size: 128, projection_dim: 128 });
    expect(c.prior?.embedding_dim).toBe(128);
    expect(c.text_proj).toMatchObject({ clip_embeddings_dim: 128, cross_attention_dim: 256, time_embed_dim: 128 });
    expect(c.decoder).toMatchObject({ sample_size: 64, cross_attention_dim: 256, block_out_channels: [32, 64, 128, 256] });
    expect(c.super_res_first?.sample_size).toBe(256);
    expect(c.super_res_last?.sample_size).toBe(256);
    expect(c.image_encoder?.image_size).toBe(224);
    expect(c.feature_extractor?.crop_size).toEqual({ height: 224, width: 224 });
  });

  it("a folder that does not exist", async () => {
    const missing = path.join(os.tmpdir(), "unclip-no-such-package-7f3a");
    const err = await loadModelPackage(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).code).toBe("missing_package");
    expect((err as PackageError).message).toContain(missing);
  });
});

describeWithFixtures("broken copies of unclip-tiny", () => {
  afterEach(cleanTemp);

  describe("files", () => {
    it("model_index.json missing", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      rmSync(path.join(dir, "model_index.json"));
      const err = await packageFailure(dir);
      expect(err.code).toBe("missing_file");
      expect(err.where.file).toBe(path.join(dir, "model_index.json"));
      expect(err.message).toContain(path.join(dir, "model_index.json"));
      expect(err.message).toMatch(/missing/);
    });

    it("model_index.json without _class_name", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "model_index.json"), (j) => delete j._class_name);
      const err = await packageFailure(dir);
      expect(err.code).toBe("bad_config");
      expect(err.message).toContain("model_index.json");
      expect(err.message).toContain("_class_name");
    });

    it("model_index.json listing no unCLIP component", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      writeFileSync(path.join(dir, "model_index.json"), JSON.stringify({ _class_name: "UnCLIPPipeline", vae: ["diffusers", "AutoencoderKL"] }));
      const err = await packageFailure(dir);
      expect(err.code).toBe("empty_package");
    });

    it("a listed component whose folder is missing", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      rmSync(path.join(dir, "image_encoder"), { recursive: true });
      const err = await packageFailure(dir);
      expect(err.code).toBe("missing_component");
      expect(err.where.component).toBe("image_encoder");
      expect(err.where.file).toBe(path.join(dir, "image_encoder"));
      expect(err.message).toContain('"image_encoder"');
      expect(err.message).toContain("model_index.json");
    });

    it("a missing model.onnx", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "decoder", "model.onnx");
      rmSync(file);
      const err = await packageFailure(dir);
      expect(err.code).toBe("missing_file");
      expect(err.where.file).toBe(file);
      expect(err.message).toContain(file);
      expect(err.message).toContain("decoder");
    });

    it.each([
      ["prior", "clip_mean.npy"],
      ["prior", "clip_std.npy"],
      ["text_proj", "learned_classifier_free_guidance_embeddings.npy"],
    ])("a missing sidecar %s/%s", async (component, name) => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, component, name);
      rmSync(file);
      const err = await packageFailure(dir);
      expect(err.code).toBe("missing_file");
      expect(err.where).toMatchObject({ file, component });
      expect(err.message).toContain(file);
    });

    it("a missing config.json", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "config.json");
      rmSync(file);
      const err = await packageFailure(dir);
      expect(err.code).toBe("missing_file");
      expect(err.where.file).toBe(file);
    });

    it("invalid JSON in a config names the file", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "text_proj", "config.json");
      writeFileSync(file, '{ "clip_embeddings_dim": 32,');
      const err = await packageFailure(dir);
      expect(err.code).toBe("corrupt_file");
      expect(err.where.file).toBe(file);
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/not valid JSON/);
    });

    it("invalid JSON in model_index.json", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      writeFileSync(path.join(dir, "model_index.json"), "not json at all");
      const err = await packageFailure(dir);
      expect(err.code).toBe("corrupt_file");
      expect(err.message).toContain(path.join(dir, "model_index.json"));
    });
  });

  describe("config values", () => {
    it('a field of the wrong type (decoder sample_size "big")', async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "decoder", "config.json");
      editJson(file, (j) => (j.sample_size = "big"));
      const err = await packageFailure(dir);
      expect(err.code).toBe("bad_config");
      expect(err.where).toMatchObject({ file, component: "decoder" });
      expect(err.message).toContain(file);
      expect(err.message).toContain("sample_size");
    });

    it("a required field missing (prior embedding_dim)", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "config.json");
      editJson(file, (j) => delete j.embedding_dim);
      const err = await packageFailure(dir);
      expect(err.code).toBe("bad_config");
      expect(err.message).toContain(file);
      expect(err.message).toContain("embedding_dim");
    });

    it("a non-integer size (text_proj clip_extra_context_tokens 4.5)", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "text_proj", "config.json"), (j) => (j.clip_extra_context_tokens = 4.5));
      const err = await packageFailure(dir);
      expect(err.code).toBe("bad_config");
      expect(err.message).toContain("clip_extra_context_tokens");
    });

    it("a scheduler config with an unknown variance_type fails at prepare", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior_scheduler", "scheduler_config.json");
      editJson(file, (j) => (j.variance_type = "wobbly"));
      const err = await packageFailure(dir, ["prior_scheduler"]);
      expect(err.code).toBe("bad_config");
      expect(err.where.file).toBe(file);
      expect(err.message).toContain(file);
    });
  });

  describe("configs that disagree name both files", () => {
    const configOf = (dir: string, component: string) =>
      path.join(dir, component, component === "feature_extractor" ? "preprocessor_config.json" : "config.json");

    it("text_proj cross_attention_dim ≠ decoder cross_attention_dim", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "text_proj"), (j) => (j.cross_attention_dim = 64));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "text_proj"));
      expect(err.message).toContain(configOf(dir, "decoder"));
      expect(err.message).toContain("cross_attention_dim");
      expect(err.message).toMatch(/\b64\b/);
      expect(err.message).toMatch(/\b100\b/);
    });

    it("super_res_last sample_size ≠ super_res_first sample_size", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "super_res_last"), (j) => (j.sample_size = 128));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "super_res_last"));
      expect(err.message).toContain(configOf(dir, "super_res_first"));
      expect(err.message).toContain("sample_size");
    });

    it("feature_extractor crop_size ≠ image_encoder image_size", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "feature_extractor"), (j) => (j.crop_size = { height: 48, width: 48 }));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "feature_extractor"));
      expect(err.message).toContain(configOf(dir, "image_encoder"));
      expect(err.message).toContain("crop_size");
      expect(err.message).toContain("image_size");
    });

    it("feature_extractor crop_size as a plain number", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "feature_extractor"), (j) => (j.crop_size = 40));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "image_encoder"));
    });

    it("prior embedding_dim ≠ text_encoder projection_dim", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "prior"), (j) => (j.embedding_dim = 64));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "prior"));
      expect(err.message).toContain(configOf(dir, "text_encoder"));
    });

    it("a decoder larger than the super-res output", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(configOf(dir, "decoder"), (j) => (j.sample_size = 128));
      const err = await packageFailure(dir);
      expect(err.code).toBe("inconsistent_configs");
      expect(err.message).toContain(configOf(dir, "super_res_first"));
      expect(err.message).toContain(configOf(dir, "decoder"));
    });
  });

  describe("sidecars", () => {
    it("clip_mean of shape [1, 31] fails at prepare, naming the file", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "clip_mean.npy");
      await writeNpyFile(file, { dtype: "float32", shape: [1, 31], data: new Float32Array(31) });
      // the package itself loads: the shape is only known once the sidecar is read
      await expect(loadModelPackage(dir)).resolves.toBeDefined();
      const err = await packageFailure(dir, ["prior"]);
      expect(err.code).toBe("bad_sidecar");
      expect(err.where).toMatchObject({ file, component: "prior" });
      expect(err.message).toContain(file);
      expect(err.message).toContain("[1, 32]");
      expect(err.message).toContain("[1, 31]");
    });

    it("a learned guidance embedding stored as int64", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "text_proj", "learned_classifier_free_guidance_embeddings.npy");
      await writeNpyFile(file, { dtype: "int64", shape: [32], data: new BigInt64Array(32) });
      const err = await packageFailure(dir, ["text_proj"]);
      expect(err.code).toBe("bad_sidecar");
      expect(err.message).toContain(file);
      expect(err.message).toContain("int64");
    });

    it("a sidecar that is not a .npy file", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "clip_std.npy");
      writeFileSync(file, "garbage");
      const err = await packageFailure(dir, ["prior"]);
      expect(err.code).toBe("bad_sidecar");
      expect(err.where.file).toBe(file);
      expect(err.message).toContain(file);
    });
  });

  describe("graphs", () => {
    it("a corrupt model.onnx (random bytes)", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "text_proj", "model.onnx");
      const junk = new Uint8Array(4096);
      let s = 12345;
      for (let i = 0; i < junk.length; i++) junk[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
      writeFileSync(file, junk);
      // the whole text2img list: the graphs before text_proj load, none of them runs
      const err = await packageFailure(dir, TEXT_TO_IMAGE_COMPONENTS);
      expect(err.code).toBe("corrupt_graph");
      expect(err.where).toMatchObject({ file, component: "text_proj" });
      expect(err.message).toContain(file);
      expect(err.message).toContain("onnxruntime cannot load");
    });

    it("an empty model.onnx", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "model.onnx");
      writeFileSync(file, "");
      const err = await packageFailure(dir, ["prior"]);
      expect(err.code).toBe("corrupt_graph");
      expect(err.message).toContain(file);
    });

    it("another component's graph in decoder/model.onnx", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "decoder", "model.onnx");
      copyFileSync(path.join(dir, "super_res_first", "model.onnx"), file);
      const err = await packageFailure(dir, ["decoder"]);
      expect(err.code).toBe("graph_signature");
      expect(err.where).toMatchObject({ file, component: "decoder" });
      expect(err.message).toContain(file);
    });

    it("decoder sample_size 48 against a 32×32 graph", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "decoder", "config.json"), (j) => (j.sample_size = 48));
      // the configs agree with each other (48 ≤ the super-res 64), only the graph can tell
      await expect(loadModelPackage(dir)).resolves.toBeDefined();
      const err = await packageFailure(dir, ["decoder"]);
      expect(err.code).toBe("graph_signature");
      const file = path.join(dir, "decoder", "model.onnx");
      expect(err.where.file).toBe(file);
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/size 32 in dimension 2/);
      expect(err.message).toContain("48");
    });

    it("the prior graph under image_encoder/ (wrong input names)", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "image_encoder", "model.onnx");
      copyFileSync(path.join(dir, "prior", "model.onnx"), file);
      const err = await packageFailure(dir, ["image_encoder"]);
      expect(err.code).toBe("graph_signature");
      expect(err.message).toContain(file);
      expect(err.message).toContain('no input "pixel_values"');
    });

    it("a retried prepare fails the same way (the failed session is not cached)", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "decoder", "config.json"), (j) => (j.sample_size = 48));
      const pool = tinyPool();
      try {
        const unclip = await UnclipComponents.load(dir, pool);
        for (let i = 0; i < 2; i++) {
          await expect(unclip.prepare(["decoder"])).rejects.toMatchObject({ code: "graph_signature" });
          expect(pool.size).toBe(0);
        }
        expect(pool.stats.sessionsCreated).toBe(0);
        expect(pool.stats.sessionRuns).toBe(0);
      } finally {
        await pool.release();
      }
    });
  });

  describe("requireComponents", () => {
    it("names the components a pipeline needs but model_index.json does not list", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "model_index.json"), (j) => {
        delete j.image_encoder;
        delete j.feature_extractor;
      });
      const pkg = await loadModelPackage(dir);
      expect(pkg.components.has("image_encoder")).toBe(false);
      expect(() => requireComponents(pkg, TEXT_TO_IMAGE_COMPONENTS, "text-to-image")).not.toThrow();
      let err: unknown;
      try {
        requireComponents(pkg, VARIATION_COMPONENTS, "image variation");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PackageError);
      const e = err as PackageError;
      expect(e.code).toBe("missing_component");
      expect(e.message).toContain("image variation");
      expect(e.message).toContain("components feature_extractor, image_encoder");
      expect(e.where.component).toBe("feature_extractor");
    });

    it("an entry diffusers wrote as [null, null] counts as absent", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "model_index.json"), (j) => (j.prior = [null, null]));
      const pkg = await loadModelPackage(dir);
      expect(pkg.components.has("prior")).toBe(false);
      expect(() => requireComponents(pkg, VARIATION_COMPONENTS, "image variation")).not.toThrow();
      expect(() => requireComponents(pkg, TEXT_TO_IMAGE_COMPONENTS, "text-to-image")).toThrow(/needs the component prior,/);
    });

    it("a package without decoder_scheduler loads, and requireComponents names it", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      editJson(path.join(dir, "model_index.json"), (j) => delete j.decoder_scheduler);
      const pkg = await loadModelPackage(dir);
      expect(() => requireComponents(pkg, TEXT_TO_IMAGE_COMPONENTS, "text-to-image")).toThrow(/needs the component decoder_scheduler,/);
      expect(() => requireComponents(pkg, VARIATION_COMPONENTS, "image variation")).toThrow(/decoder_scheduler/);
    });
  });
});
