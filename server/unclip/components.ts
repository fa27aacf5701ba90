/**
 * A loaded model package: typed calls to each graph (inputs and outputs named as in the
 * package contract), its schedulers, tokenizer, feature-extractor config and sidecar tensors.
 * Sessions come from a SessionPool, so they are created on first use and shared by later runs.
 */
import "#server-only";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { PackageError } from "../errors";
import type { Provider } from "../runtime/device";
import type { Component, GraphComponent, ModelPackage } from "../runtime/modelPackage";
import { componentFile, loadModelPackage } from "../runtime/modelPackage";
import { SessionPool } from "../runtime/sessionPool";
import { type ClipImageProcessorConfig, loadClipImageProcessorConfig } from "./imageProcessor";
import { readNpyFile } from "./npy";
import { UnCLIPScheduler } from "./scheduler";
import type { BoolNdArray, Float32NdArray, Int64NdArray } from "./tensor";
import { float32, shapeString, sameShape } from "./tensor";
import { ClipTokenizer } from "./tokenizer";

function toOrt(t: Float32NdArray | Int64NdArray | BoolNdArray): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.shape);
}

function timestepTensor(t: number, batch: number): ort.Tensor {
  return new ort.Tensor("int64", new BigInt64Array(batch).fill(BigInt(t)), [batch]);
}

function fromOrt(t: ort.Tensor | undefined, name: string): Float32NdArray {
  if (!t) throw new Error(`graph output "${name}" is missing`);
  return float32([...t.dims], t.data as Float32Array);
}

export class UnclipComponents {
  private tokenizerPromise?: Promise<ClipTokenizer>;
  private featureExtractorPromise?: Promise<ClipImageProcessorConfig>;
  private readonly schedulers = new Map<string, Promise<UnCLIPScheduler>>();
  private readonly sidecars = new Map<string, Promise<Float32NdArray>>();
  /** Provider that ran each graph (for the result report). */
  readonly providers: Partial<Record<GraphComponent, Provider>> = {};

  constructor(
    readonly pkg: ModelPackage,
    readonly pool: SessionPool,
  ) {}

  static async load(dir: string, pool: SessionPool): Promise<UnclipComponents> {
    return new UnclipComponents(await loadModelPackage(dir), pool);
  }

  has(component: Component): boolean {
    return this.pkg.components.has(component);
  }

  tokenizer(): Promise<ClipTokenizer> {
    this.tokenizerPromise ??= ClipTokenizer.fromPackageDir(path.join(this.pkg.dir, "tokenizer")).catch((err: Error) => {
      this.tokenizerPromise = undefined;
      throw new PackageError("bad_tokenizer", err.message, { component: "tokenizer", file: path.join(this.pkg.dir, "tokenizer") });
    });
    return this.tokenizerPromise;
  }

  featureExtractor(): Promise<ClipImageProcessorConfig> {
    const file = componentFile(this.pkg, "feature_extractor", "preprocessor_config.json");
    this.featureExtractorPromise ??= loadClipImageProcessorConfig(file).catch((err: Error) => {
      this.featureExtractorPromise = undefined;
      throw new PackageError("bad_config", err.message, { component: "feature_extractor", file });
    });
    return this.featureExtractorPromise;
  }

  scheduler(component: "prior_scheduler" | "decoder_scheduler" | "super_res_scheduler"): Promise<UnCLIPScheduler> {
    let s = this.schedulers.get(component);
    if (!s) {
      const file = componentFile(this.pkg, component, "scheduler_config.json");
      s = Promise.resolve().then(() => {
        try {
          return UnCLIPScheduler.fromConfig(this.pkg.configs[component], file);
        } catch (err) {
          throw new PackageError("bad_config", (err as Error).message, { component, file });
        }
      });
      this.schedulers.set(component, s);
    }
    return s;
  }

  /** A sidecar `.npy`, checked against the shape the configs imply. */
  private sidecar(component: Component, file: string, expected: number[]): Promise<Float32NdArray> {
    const full = componentFile(this.pkg, component, file);
    let p = this.sidecars.get(full);
    if (!p) {
      p = readNpyFile(full).then(
        (a) => {
          if (a.dtype !== "float32" || !sameShape(a.shape, expected)) {
            throw new PackageError(
              "bad_sidecar",
              `${full}: expected float32 ${shapeString(expected)} (from the ${component} config), got ${a.dtype} ${shapeString(a.shape)}`,
              { file: full, component },
            );
          }
          return a;
        },
        (err: Error) => {
          throw new PackageError("bad_sidecar", err.message, { file: full, component });
        },
      );
      this.sidecars.set(full, p);
      p.catch(() => this.sidecars.delete(full));
    }
    return p;
  }

  clipMean(): Promise<Float32NdArray> {
    return this.sidecar("prior", "clip_mean.npy", [1, this.pkg.configs.prior!.embedding_dim]);
  }
  clipStd(): Promise<Float32NdArray> {
    return this.sidecar("prior", "clip_std.npy", [1, this.pkg.configs.prior!.embedding_dim]);
  }
  learnedGuidanceEmbedding(): Promise<Float32NdArray> {
    return this.sidecar("text_proj", "learned_classifier_free_guidance_embeddings.npy", [this.pkg.configs.text_proj!.clip_embeddings_dim]);
  }

  private async session(component: GraphComponent) {
    const s = await this.pool.get(this.pkg, component);
    this.providers[component] = s.provider;
    return s;
  }

  /** Create (or reuse) the sessions a pipeline will need, so bad graphs fail before any denoising. */
  async prepare(components: readonly Component[]): Promise<void> {
    for (const c of components) {
      if (c === "tokenizer") await this.tokenizer();
      else if (c === "feature_extractor") await this.featureExtractor();
      else if (c.endsWith("_scheduler")) await this.scheduler(c as "prior_scheduler");
      else await this.session(c as GraphComponent);
      if (c === "prior") await Promise.all([this.clipMean(), this.clipStd()]);
      if (c === "text_proj") await this.learnedGuidanceEmbedding();
    }
  }

  async textEncoder(inputIds: Int64NdArray): Promise<{ textEmbeds: Float32NdArray; lastHiddenState: Float32NdArray }> {
    const out = await (await this.session("text_encoder")).run({ input_ids: toOrt(inputIds) });
    return { textEmbeds: fromOrt(out.text_embeds, "text_embeds"), lastHiddenState: fromOrt(out.last_hidden_state, "last_hidden_state") };
  }

  async prior(args: {
    hiddenStates: Float32NdArray;
    timestep: number;
    projEmbedding: Float32NdArray;
    encoderHiddenStates: Float32NdArray;
    attentionMask: BoolNdArray;
  }): Promise<Float32NdArray> {
    const batch = args.hiddenStates.shape[0];
    const out = await (
      await this.session("prior")
    ).run({
      hidden_states: toOrt(args.hiddenStates),
      timestep: timestepTensor(args.timestep, batch),
      proj_embedding: toOrt(args.projEmbedding),
      encoder_hidden_states: toOrt(args.encoderHiddenStates),
      attention_mask: toOrt(args.attentionMask),
    });
    return fromOrt(out.predicted_image_embedding, "predicted_image_embedding");
  }

  async textProj(args: {
    imageEmbeddings: Float32NdArray;
    promptEmbeds: Float32NdArray;
    textEncoderHiddenStates: Float32NdArray;
  }): Promise<{ encoderHiddenStates: Float32NdArray; additiveClipTimeEmbeddings: Float32NdArray }> {
    const out = await (
      await this.session("text_proj")
    ).run({
      image_embeddings: toOrt(args.imageEmbeddings),
      prompt_embeds: toOrt(args.promptEmbeds),
      text_encoder_hidden_states: toOrt(args.textEncoderHiddenStates),
    });
    return {
      encoderHiddenStates: fromOrt(out.encoder_hidden_states, "encoder_hidden_states"),
      additiveClipTimeEmbeddings: fromOrt(out.additive_clip_time_embeddings, "additive_clip_time_embeddings"),
    };
  }

  async decoder(args: {
    sample: Float32NdArray;
    timestep: number;
    encoderHiddenStates: Float32NdArray;
    classLabels: Float32NdArray;
    attentionMask: BoolNdArray;
  }): Promise<Float32NdArray> {
    const batch = args.sample.shape[0];
    const out = await (
      await this.session("decoder")
    ).run({
      sample: toOrt(args.sample),
      timestep: timestepTensor(args.timestep, batch),
      encoder_hidden_states: toOrt(args.encoderHiddenStates),
      class_labels: toOrt(args.classLabels),
      attention_mask: toOrt(args.attentionMask),
    });
    return fromOrt(out.noise_pred, "noise_pred");
  }

  async superRes(which: "super_res_first" | "super_res_last", sample: Float32NdArray, timestep: number): Promise<Float32NdArray> {
    const out = await (
      await this.session(which)
    ).run({
      sample: toOrt(sample),
      timestep: timestepTensor(timestep, sample.shape[0]),
    });
    return fromOrt(out.noise_pred, "noise_pred");
  }

  async imageEncoder(pixelValues: Float32NdArray): Promise<Float32NdArray> {
    const out = await (await this.session("image_encoder")).run({ pixel_values: toOrt(pixelValues) });
    return fromOrt(out.image_embeds, "image_embeds");
  }
}
