"""Build a full set of stand-in components (see standins.py) with unclip-tiny's shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional

import torch

import standins as s
from unclip_export.package import Components, build_model_index

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
TINY_PACKAGE = SHARED_FIXTURES / "unclip-tiny"
PRIOR_EXTERNAL = SHARED_FIXTURES / "extras" / "prior-external-data"

# Sizes of diffusers' own unCLIP tests (the shapes of unclip-tiny), with small vocabularies.
DEFAULT_CONFIGS: Dict[str, Dict[str, Any]] = {
    "text_encoder": {
        "vocab_size": 1000,
        "hidden_size": 32,
        "projection_dim": 32,
        "intermediate_size": 37,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "max_position_embeddings": 77,
        "model_type": "clip_text_model",
    },
    "prior": {
        "num_attention_heads": 2,
        "attention_head_dim": 12,
        "embedding_dim": 32,
        "num_layers": 1,
        "num_embeddings": 77,
        "additional_embeddings": 4,
    },
    "text_proj": {
        "clip_embeddings_dim": 32,
        "clip_extra_context_tokens": 4,
        "cross_attention_dim": 100,
        "time_embed_dim": 128,
    },
    "decoder": {
        "in_channels": 3,
        "out_channels": 6,
        "sample_size": 32,
        "block_out_channels": [32, 64],
        "attention_head_dim": 4,
        "cross_attention_dim": 100,
        "norm_num_groups": 32,
        "class_embed_type": "identity",
    },
    # Like Karlo's super-res UNets: no attention (the decoder stand-in covers attention and masks).
    "super_res_first": {
        "in_channels": 6,
        "out_channels": 3,
        "sample_size": 64,
        "block_out_channels": [16, 32],
        "norm_num_groups": 8,
        "add_attention": False,
    },
    "image_encoder": {
        "hidden_size": 32,
        "projection_dim": 32,
        "intermediate_size": 37,
        "num_attention_heads": 4,
        "num_hidden_layers": 1,
        "num_channels": 3,
        "image_size": 32,
        "patch_size": 1,
        "model_type": "clip_vision_model",
    },
    "prior_scheduler": {"variance_type": "fixed_small_log", "prediction_type": "sample", "clip_sample_range": 5.0},
    "decoder_scheduler": {"variance_type": "learned_range", "prediction_type": "epsilon", "clip_sample_range": 1.0},
    "super_res_scheduler": {"variance_type": "fixed_small_log", "prediction_type": "epsilon", "clip_sample_range": 1.0},
    "feature_extractor": {"crop_size": {"height": 32, "width": 32}, "size": {"shortest_edge": 32}},
}
DEFAULT_CONFIGS["super_res_last"] = dict(DEFAULT_CONFIGS["super_res_first"])

PIPELINE_ENTRIES = {
    "decoder": ("diffusers", "UNet2DConditionModel"),
    "decoder_scheduler": ("diffusers", "UnCLIPScheduler"),
    "prior": ("diffusers", "PriorTransformer"),
    "prior_scheduler": ("diffusers", "UnCLIPScheduler"),
    "super_res_first": ("diffusers", "UNet2DModel"),
    "super_res_last": ("diffusers", "UNet2DModel"),
    "super_res_scheduler": ("diffusers", "UnCLIPScheduler"),
    "text_encoder": ("transformers", "CLIPTextModelWithProjection"),
    "text_proj": ("unclip", "UnCLIPTextProjModel"),
    "tokenizer": ("transformers", "CLIPTokenizer"),
}
VARIATION_ENTRIES = {
    "feature_extractor": ("transformers", "CLIPImageProcessor"),
    "image_encoder": ("transformers", "CLIPVisionModelWithProjection"),
}


def fixture_configs(package: Path = TINY_PACKAGE) -> Dict[str, Dict[str, Any]]:
    """The config files of a shared package, keyed like DEFAULT_CONFIGS."""
    out: Dict[str, Dict[str, Any]] = {}
    for name in DEFAULT_CONFIGS:
        if name.endswith("scheduler"):
            path = package / name / "scheduler_config.json"
        elif name == "feature_extractor":
            path = package / name / "preprocessor_config.json"
        else:
            path = package / name / "config.json"
        out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def build_components(
    configs: Optional[Dict[str, Dict[str, Any]]] = None,
    tokenizer_dir: Optional[Path] = None,
    diffusers_version: str = s.STANDIN_DIFFUSERS_VERSION,
) -> Components:
    configs = configs or DEFAULT_CONFIGS

    def seeded(seed, factory, config):
        torch.manual_seed(seed)
        module = factory(dict(config))
        module.eval()
        return module

    prior = seeded(0, s.PriorTransformer, configs["prior"])
    text_proj = seeded(0, s.UnCLIPTextProjModel, configs["text_proj"])
    # Like the shared fixtures: the tensors used outside the graphs get non-trivial values.
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        dim = prior.clip_mean.shape[1]
        prior.clip_mean.copy_(0.2 * torch.randn(1, dim, generator=g))
        prior.clip_std.copy_(0.5 + torch.rand(1, dim, generator=g))
        text_proj.learned_classifier_free_guidance_embeddings.copy_(
            torch.randn(text_proj.learned_classifier_free_guidance_embeddings.shape, generator=g)
        )
    return Components(
        tokenizer=s.CLIPTokenizer(tokenizer_dir),
        text_encoder=seeded(0, s.CLIPTextModelWithProjection, configs["text_encoder"]),
        prior=prior,
        text_proj=text_proj,
        decoder=seeded(0, s.UNet2DConditionModel, configs["decoder"]),
        super_res_first=seeded(0, s.UNet2DModel, configs["super_res_first"]),
        super_res_last=seeded(1, s.UNet2DModel, configs["super_res_last"]),
        prior_scheduler=s.UnCLIPScheduler(configs["prior_scheduler"]),
        decoder_scheduler=s.UnCLIPScheduler(configs["decoder_scheduler"]),
        super_res_scheduler=s.UnCLIPScheduler(configs["super_res_scheduler"]),
        image_encoder=seeded(0, s.CLIPVisionModelWithProjection, configs["image_encoder"]),
        feature_extractor=s.CLIPImageProcessor(configs["feature_extractor"]),
        model_index=build_model_index(PIPELINE_ENTRIES, VARIATION_ENTRIES, diffusers_version),
    )
