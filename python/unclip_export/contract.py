"""The model-package contract: file layout and the signature of every ONNX graph.

Everything the TypeScript consumer relies on is spelled out here once; the exporter, the verifier
and the tests all read it from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

BATCH_AXIS = "batch"
DEFAULT_OPSET = 17
MIN_OPSET = 13  # the repeat_interleave lowering uses the opset-13 forms (axes as inputs)

# Graph order matters only for printing: text side first, like the pipeline runs.
GRAPH_NAMES: Tuple[str, ...] = (
    "text_encoder",
    "prior",
    "text_proj",
    "decoder",
    "super_res_first",
    "super_res_last",
    "image_encoder",
)

SCHEDULER_NAMES: Tuple[str, ...] = ("prior_scheduler", "decoder_scheduler", "super_res_scheduler")

TOKENIZER_FILES: Tuple[str, ...] = (
    "merges.txt",
    "special_tokens_map.json",
    "tokenizer_config.json",
    "vocab.json",
)

MODEL_FILE = "model.onnx"
EXTERNAL_DATA_FILE = "model.onnx.data"
CONFIG_FILE = "config.json"
SCHEDULER_CONFIG_FILE = "scheduler_config.json"
PREPROCESSOR_CONFIG_FILE = "preprocessor_config.json"
MODEL_INDEX_FILE = "model_index.json"

# Tensors the pipelines use outside the graphs; always float32 (the consumer does this arithmetic).
SIDECARS: Dict[str, Tuple[str, ...]] = {
    "prior": ("clip_mean", "clip_std"),
    "text_proj": ("learned_classifier_free_guidance_embeddings",),
}

# The two components only UnCLIPImageVariationPipeline has; the package serves both pipelines.
VARIATION_ONLY_COMPONENTS: Tuple[str, ...] = ("feature_extractor", "image_encoder")


def package_files(external_data: Sequence[str] = ()) -> Tuple[str, ...]:
    """Every relative path of a complete package (``external_data``: graphs saved with a data file)."""
    files = [MODEL_INDEX_FILE]
    files += [f"tokenizer/{name}" for name in TOKENIZER_FILES]
    for graph in GRAPH_NAMES:
        files.append(f"{graph}/{CONFIG_FILE}")
        files.append(f"{graph}/{MODEL_FILE}")
        if graph in external_data:
            files.append(f"{graph}/{EXTERNAL_DATA_FILE}")
        files += [f"{graph}/{sidecar}.npy" for sidecar in SIDECARS.get(graph, ())]
    files += [f"{name}/{SCHEDULER_CONFIG_FILE}" for name in SCHEDULER_NAMES]
    files.append(f"feature_extractor/{PREPROCESSOR_CONFIG_FILE}")
    return tuple(sorted(files))


# ---------------------------------------------------------------------------------------------------
# Graph signatures

NUMPY_DTYPES = {"float32": np.float32, "int64": np.int64, "bool": np.bool_}
ONNX_ELEM_TYPES = {"float32": 1, "int64": 7, "bool": 9}  # onnx.TensorProto.FLOAT / INT64 / BOOL


@dataclass(frozen=True)
class TensorSpec:
    """One graph input or output. ``shape`` excludes the leading dynamic batch axis."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    # How random test inputs are drawn: "float", "timestep", "ids", "mask" (prefix of True) or
    # "mask_with_extra" (first ``extra`` positions always True, like the decoder mask).
    kind: str = "float"
    extra: int = 0
    high: int = 0  # exclusive upper bound for "ids"

    def full_shape(self, batch: int) -> Tuple[int, ...]:
        return (batch,) + tuple(self.shape)


@dataclass(frozen=True)
class GraphSpec:
    name: str
    inputs: Tuple[TensorSpec, ...]
    outputs: Tuple[TensorSpec, ...]

    @property
    def input_names(self) -> Tuple[str, ...]:
        return tuple(t.name for t in self.inputs)

    @property
    def output_names(self) -> Tuple[str, ...]:
        return tuple(t.name for t in self.outputs)

    @property
    def has_timestep(self) -> bool:
        return any(t.kind == "timestep" for t in self.inputs)

    def dynamic_axes(self) -> Dict[str, Dict[int, str]]:
        return {t.name: {0: BATCH_AXIS} for t in self.inputs + self.outputs}


_MISSING = object()


def config_value(module: Any, key: str, default: Any = _MISSING) -> Any:
    """Read ``key`` from a module's config, whether it is a mapping (diffusers) or an object (transformers)."""
    config = getattr(module, "config", None)
    if config is None:
        config = module
    if isinstance(config, Mapping):
        if key in config and config[key] is not None:
            return config[key]
    else:
        value = getattr(config, key, None)
        if value is not None:
            return value
    if default is _MISSING:
        raise KeyError(f"{type(module).__name__}: config has no value for {key!r}")
    return default


def _square(value: Any, what: str) -> int:
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or value[0] != value[1]:
            raise ValueError(f"{what}: only square sizes are supported, got {value!r}")
        return int(value[0])
    return int(value)


def build_graph_specs(components: Any) -> Dict[str, GraphSpec]:
    """Derive every graph's exact signature from the modules' configs.

    ``components`` needs the attributes text_encoder, prior, text_proj, decoder, super_res_first,
    super_res_last and image_encoder.
    """
    te = components.text_encoder
    seq_len = int(config_value(te, "max_position_embeddings"))
    text_hidden = int(config_value(te, "hidden_size"))
    text_proj_dim = int(config_value(te, "projection_dim"))
    vocab = int(config_value(te, "vocab_size"))

    prior = components.prior
    p_dim = int(config_value(prior, "embedding_dim"))
    p_clip = int(config_value(prior, "clip_embed_dim", p_dim))
    p_proj = int(config_value(prior, "embedding_proj_dim", p_dim))
    p_tokens = int(config_value(prior, "num_embeddings", seq_len))
    if p_tokens != seq_len:
        raise ValueError(
            f"prior.num_embeddings ({p_tokens}) differs from the text encoder's sequence length ({seq_len})"
        )

    tp = components.text_proj
    tp_clip = int(config_value(tp, "clip_embeddings_dim"))
    tp_extra = int(config_value(tp, "clip_extra_context_tokens"))
    tp_cross = int(config_value(tp, "cross_attention_dim"))
    tp_time = int(config_value(tp, "time_embed_dim"))
    context_len = seq_len + tp_extra

    dec = components.decoder
    d_in = int(config_value(dec, "in_channels"))
    d_out = int(config_value(dec, "out_channels"))
    d_size = _square(config_value(dec, "sample_size"), "decoder.sample_size")
    d_cross = int(config_value(dec, "cross_attention_dim"))
    if d_cross != tp_cross:
        raise ValueError(f"decoder.cross_attention_dim ({d_cross}) != text_proj.cross_attention_dim ({tp_cross})")

    ie = components.image_encoder
    ie_channels = int(config_value(ie, "num_channels", 3))
    ie_size = int(config_value(ie, "image_size"))
    ie_patch = int(config_value(ie, "patch_size"))
    ie_hidden = int(config_value(ie, "hidden_size"))
    ie_proj = int(config_value(ie, "projection_dim"))
    ie_tokens = (ie_size // ie_patch) ** 2 + 1

    f32 = "float32"
    timestep = TensorSpec("timestep", "int64", (), kind="timestep")
    specs = {
        "text_encoder": GraphSpec(
            "text_encoder",
            inputs=(TensorSpec("input_ids", "int64", (seq_len,), kind="ids", high=vocab),),
            outputs=(
                TensorSpec("text_embeds", f32, (text_proj_dim,)),
                TensorSpec("last_hidden_state", f32, (seq_len, text_hidden)),
            ),
        ),
        "prior": GraphSpec(
            "prior",
            inputs=(
                TensorSpec("hidden_states", f32, (p_clip,)),
                timestep,
                TensorSpec("proj_embedding", f32, (p_proj,)),
                TensorSpec("encoder_hidden_states", f32, (seq_len, p_dim)),
                TensorSpec("attention_mask", "bool", (seq_len,), kind="mask"),
            ),
            outputs=(TensorSpec("predicted_image_embedding", f32, (p_clip,)),),
        ),
        "text_proj": GraphSpec(
            "text_proj",
            inputs=(
                TensorSpec("image_embeddings", f32, (tp_clip,)),
                TensorSpec("prompt_embeds", f32, (tp_clip,)),
                TensorSpec("text_encoder_hidden_states", f32, (seq_len, tp_clip)),
            ),
            outputs=(
                TensorSpec("encoder_hidden_states", f32, (context_len, tp_cross)),
                TensorSpec("additive_clip_time_embeddings", f32, (tp_time,)),
            ),
        ),
        "decoder": GraphSpec(
            "decoder",
            inputs=(
                TensorSpec("sample", f32, (d_in, d_size, d_size)),
                timestep,
                TensorSpec("encoder_hidden_states", f32, (context_len, d_cross)),
                TensorSpec("class_labels", f32, (tp_time,)),
                TensorSpec("attention_mask", "bool", (context_len,), kind="mask_with_extra", extra=tp_extra),
            ),
            outputs=(TensorSpec("noise_pred", f32, (d_out, d_size, d_size)),),
        ),
        "image_encoder": GraphSpec(
            "image_encoder",
            inputs=(TensorSpec("pixel_values", f32, (ie_channels, ie_size, ie_size)),),
            outputs=(
                TensorSpec("image_embeds", f32, (ie_proj,)),
                TensorSpec("last_hidden_state", f32, (ie_tokens, ie_hidden)),
            ),
        ),
    }
    for name in ("super_res_first", "super_res_last"):
        unet = getattr(components, name)
        s_in = int(config_value(unet, "in_channels"))
        s_out = int(config_value(unet, "out_channels"))
        s_size = _square(config_value(unet, "sample_size"), f"{name}.sample_size")
        specs[name] = GraphSpec(
            name,
            inputs=(TensorSpec("sample", f32, (s_in, s_size, s_size)), timestep),
            outputs=(TensorSpec("noise_pred", f32, (s_out, s_size, s_size)),),
        )
    return {name: specs[name] for name in GRAPH_NAMES}


# ---------------------------------------------------------------------------------------------------
# Random inputs for tracing and verification


def make_inputs(
    spec: GraphSpec,
    batch: int,
    rng: np.random.Generator,
    timestep: Optional[Sequence[int]] = None,
) -> Dict[str, np.ndarray]:
    """Random inputs shaped like the pipeline's. ``timestep``: one value per row (default: random)."""
    feeds: Dict[str, np.ndarray] = {}
    for t in spec.inputs:
        shape = t.full_shape(batch)
        if t.kind == "timestep":
            values = rng.integers(0, 1000, size=batch) if timestep is None else np.asarray(timestep)
            if values.shape != (batch,):
                values = np.broadcast_to(values, (batch,))
            feeds[t.name] = np.ascontiguousarray(values, dtype=np.int64)
        elif t.kind == "ids":
            feeds[t.name] = rng.integers(0, t.high, size=shape, dtype=np.int64)
        elif t.kind in ("mask", "mask_with_extra"):
            # Tokenizer masks are a prefix of real tokens; at least one is real (BOS).
            length = shape[1] - t.extra
            lengths = rng.integers(1, length + 1, size=batch)
            mask = np.arange(length)[None, :] < lengths[:, None]
            if t.extra:
                mask = np.concatenate([np.ones((batch, t.extra), dtype=bool), mask], axis=1)
            feeds[t.name] = mask
        else:
            feeds[t.name] = rng.standard_normal(size=shape).astype(np.float32)
    return feeds
