/**
 * The input and output signature each graph must have, derived from the package's configs
 * (dimension 0 is the dynamic batch; the rest are fixed). Checked when a session is created,
 * so a graph exported with other sizes or names fails with a message naming its file.
 */
import { PackageError } from "../errors";
import type { GraphComponent, ModelPackage } from "./modelPackage";
import { graphFile } from "./modelPackage";

export type GraphDType = "float32" | "int64" | "bool";
/** null = not checked (dynamic or irrelevant). */
export interface GraphValue {
  name: string;
  type: GraphDType;
  dims: (number | null)[];
}
export interface GraphSignature {
  inputs: GraphValue[];
  outputs: GraphValue[];
}

const B = null;

function need<T>(value: T | undefined, what: string, pkg: ModelPackage): T {
  if (value === undefined) throw new PackageError("missing_component", `${pkg.dir}: ${what} has no config`, { file: pkg.dir });
  return value;
}

export function graphSignature(pkg: ModelPackage, component: GraphComponent): GraphSignature {
  const c = pkg.configs;
  switch (component) {
    case "text_encoder": {
      const te = need(c.text_encoder, "text_encoder", pkg);
      const L = te.max_position_embeddings;
      return {
        inputs: [{ name: "input_ids", type: "int64", dims: [B, L] }],
        outputs: [
          { name: "text_embeds", type: "float32", dims: [B, te.projection_dim] },
          { name: "last_hidden_state", type: "float32", dims: [B, L, te.hidden_size] },
        ],
      };
    }
    case "prior": {
      const p = need(c.prior, "prior", pkg);
      const D = p.embedding_dim;
      const L = p.num_embeddings;
      const H = c.text_encoder?.hidden_size ?? null;
      return {
        inputs: [
          { name: "hidden_states", type: "float32", dims: [B, D] },
          { name: "timestep", type: "int64", dims: [B] },
          { name: "proj_embedding", type: "float32", dims: [B, D] },
          { name: "encoder_hidden_states", type: "float32", dims: [B, L, H] },
          { name: "attention_mask", type: "bool", dims: [B, L] },
        ],
        outputs: [{ name: "predicted_image_embedding", type: "float32", dims: [B, D] }],
      };
    }
    case "text_proj": {
      const tp = need(c.text_proj, "text_proj", pkg);
      const L = c.text_encoder?.max_position_embeddings ?? null;
      const H = c.text_encoder?.hidden_size ?? null;
      return {
        inputs: [
          { name: "image_embeddings", type: "float32", dims: [B, tp.clip_embeddings_dim] },
          { name: "prompt_embeds", type: "float32", dims: [B, tp.clip_embeddings_dim] },
          { name: "text_encoder_hidden_states", type: "float32", dims: [B, L, H] },
        ],
        outputs: [
          { name: "encoder_hidden_states", type: "float32", dims: [B, L === null ? null : L + tp.clip_extra_context_tokens, tp.cross_attention_dim] },
          { name: "additive_clip_time_embeddings", type: "float32", dims: [B, tp.time_embed_dim] },
        ],
      };
    }
    case "decoder": {
      const d = need(c.decoder, "decoder", pkg);
      const L = c.text_encoder?.max_position_embeddings;
      const extra = c.text_proj?.clip_extra_context_tokens;
      const seq = L !== undefined && extra !== undefined ? L + extra : null;
      const s = d.sample_size;
      return {
        inputs: [
          { name: "sample", type: "float32", dims: [B, d.in_channels, s, s] },
          { name: "timestep", type: "int64", dims: [B] },
          { name: "encoder_hidden_states", type: "float32", dims: [B, seq, d.cross_attention_dim] },
          { name: "class_labels", type: "float32", dims: [B, c.text_proj?.time_embed_dim ?? null] },
          { name: "attention_mask", type: "bool", dims: [B, seq] },
        ],
        outputs: [{ name: "noise_pred", type: "float32", dims: [B, d.out_channels, s, s] }],
      };
    }
    case "super_res_first":
    case "super_res_last": {
      const sr = need(c[component], component, pkg);
      const S = sr.sample_size;
      return {
        inputs: [
          { name: "sample", type: "float32", dims: [B, sr.in_channels, S, S] },
          { name: "timestep", type: "int64", dims: [B] },
        ],
        outputs: [{ name: "noise_pred", type: "float32", dims: [B, sr.out_channels, S, S] }],
      };
    }
    case "image_encoder": {
      const ie = need(c.image_encoder, "image_encoder", pkg);
      return {
        inputs: [{ name: "pixel_values", type: "float32", dims: [B, ie.num_channels ?? 3, ie.image_size, ie.image_size] }],
        outputs: [{ name: "image_embeds", type: "float32", dims: [B, ie.projection_dim] }],
      };
    }
  }
}

interface MetadataLike {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

/** Compare a session's metadata with the signature; throws naming the graph file. */
export function checkGraphSignature(pkg: ModelPackage, component: GraphComponent, inputs: readonly MetadataLike[], outputs: readonly MetadataLike[]): void {
  const file = graphFile(pkg, component);
  const sig = graphSignature(pkg, component);
  const check = (kind: "input" | "output", expected: GraphValue[], actual: readonly MetadataLike[]) => {
    for (const e of expected) {
      const a = actual.find((m) => m.name === e.name);
      if (!a) {
        throw new PackageError(
          "graph_signature",
          `${file}: the graph has no ${kind} "${e.name}" (its ${kind}s: ${actual.map((m) => m.name).join(", ") || "none"})`,
          { file, component },
        );
      }
      if (a.type !== undefined && a.type !== e.type) {
        throw new PackageError("graph_signature", `${file}: ${kind} "${e.name}" is ${a.type}, expected ${e.type}`, { file, component });
      }
      const shape = a.shape ?? [];
      if (shape.length > 0) {
        if (shape.length !== e.dims.length) {
          throw new PackageError(
            "graph_signature",
            `${file}: ${kind} "${e.name}" has shape [${shape.join(", ")}], expected ${e.dims.length} dimensions [${e.dims.map((d) => d ?? "batch").join(", ")}]`,
            { file, component },
          );
        }
        e.dims.forEach((d, i) => {
          if (d !== null && typeof shape[i] === "number" && shape[i] !== d) {
            throw new PackageError("graph_signature", `${file}: ${kind} "${e.name}" has size ${shape[i]} in dimension ${i}, but the package configs say ${d}`, {
              file,
              component,
            });
          }
        });
      }
    }
    if (kind === "input") {
      const extra = actual.filter((m) => !expected.some((e) => e.name === m.name));
      if (extra.length) {
        throw new PackageError(
          "graph_signature",
          `${file}: unexpected graph input${extra.length > 1 ? "s" : ""} ${extra.map((m) => `"${m.name}"`).join(", ")} (expected ${expected.map((e) => e.name).join(", ")})`,
          { file, component },
        );
      }
    }
  };
  check("input", sig.inputs, inputs);
  check("output", sig.outputs, outputs);
}
