"""Load the diffusers pipelines into ``Components``: the only code that imports diffusers.

Kept thin on purpose: everything after loading (wrapping, export, layout, verification) works on any
modules with the same call signatures.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

import torch

from .package import Components, build_model_index

KARLO_TEXT_TO_IMAGE = "kakaobrain/karlo-v1-alpha"
KARLO_IMAGE_VARIATION = "kakaobrain/karlo-v1-alpha-image-variations"
SUPPORTED_DIFFUSERS = ((0, 23), (0, 33))  # UnCLIP pipelines are deprecated after 0.33


class MissingDependency(RuntimeError):
    pass


def default_variation_source(source: str) -> str:
    """Karlo's text-to-image repository has no image encoder; its variation repository does."""
    if source.rstrip("/") == KARLO_TEXT_TO_IMAGE:
        return KARLO_IMAGE_VARIATION
    return source


def _version_tuple(version: str):
    parts = []
    for piece in version.split(".")[:2]:
        leading = re.match(r"\d+", piece)
        parts.append(int(leading.group()) if leading else 0)
    return tuple(parts)


def use_classic_attention(module: torch.nn.Module) -> int:
    """Switch diffusers attention layers to the plain matmul/softmax processors.

    The scaled_dot_product_attention processors (torch 2) export through a torch-version-dependent
    symbolic; the classic processors compute the same thing with ops every exporter handles.
    Returns how many layers were switched.
    """
    from diffusers.models.attention_processor import Attention, AttnAddedKVProcessor, AttnProcessor

    switched = 0
    for layer in module.modules():
        if isinstance(layer, Attention):
            current = type(getattr(layer, "processor", None)).__name__
            layer.set_processor(AttnAddedKVProcessor() if "AddedKV" in current else AttnProcessor())
            switched += 1
    return switched


def load_components(
    source: str,
    variation_source: Optional[str] = None,
    *,
    revision: Optional[str] = None,
    local_files_only: bool = False,
    log: Callable[[str], None] = print,
) -> Components:
    """Load UnCLIPPipeline from ``source`` and the image encoder + feature extractor of
    UnCLIPImageVariationPipeline from ``variation_source`` (float32, CPU, eval mode)."""
    try:
        import diffusers
        from diffusers import UnCLIPImageVariationPipeline, UnCLIPPipeline
    except ImportError as exc:
        raise MissingDependency(
            f"diffusers (0.23 to 0.33) and transformers are needed to load the pipelines ({exc}); "
            "install them with: pip install -r python/requirements.txt"
        ) from exc
    version = _version_tuple(diffusers.__version__)
    low, high = SUPPORTED_DIFFUSERS
    if not (low <= version <= high):
        log(
            f"warning: diffusers {diffusers.__version__} is outside the tested range "
            f"{low[0]}.{low[1]}-{high[0]}.{high[1]}"
        )

    variation_source = variation_source or default_variation_source(source)
    kwargs = {"torch_dtype": torch.float32, "local_files_only": local_files_only}
    if revision:
        kwargs["revision"] = revision
    log(f"loading UnCLIPPipeline from {source} ...")
    pipe = UnCLIPPipeline.from_pretrained(source, **kwargs)
    log(f"loading the image encoder and feature extractor from {variation_source} ...")
    # Passing the already-loaded shared components makes from_pretrained load only the two missing ones.
    shared = {
        name: getattr(pipe, name)
        for name in (
            "tokenizer",
            "text_encoder",
            "text_proj",
            "decoder",
            "super_res_first",
            "super_res_last",
            "decoder_scheduler",
            "super_res_scheduler",
        )
    }
    variation_kwargs = dict(kwargs)
    if variation_source != source:
        variation_kwargs.pop("revision", None)
    variation = UnCLIPImageVariationPipeline.from_pretrained(variation_source, **shared, **variation_kwargs)

    modules = {}
    for name in ("text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last"):
        modules[name] = getattr(pipe, name)
    modules["image_encoder"] = variation.image_encoder
    for name, module in modules.items():
        module.to(device="cpu", dtype=torch.float32)
        module.eval()
        module.requires_grad_(False)
        if name in ("prior", "decoder", "super_res_first", "super_res_last"):
            use_classic_attention(module)

    return Components(
        tokenizer=pipe.tokenizer,
        text_encoder=modules["text_encoder"],
        prior=modules["prior"],
        text_proj=modules["text_proj"],
        decoder=modules["decoder"],
        super_res_first=modules["super_res_first"],
        super_res_last=modules["super_res_last"],
        prior_scheduler=pipe.prior_scheduler,
        decoder_scheduler=pipe.decoder_scheduler,
        super_res_scheduler=pipe.super_res_scheduler,
        image_encoder=modules["image_encoder"],
        feature_extractor=variation.feature_extractor,
        model_index=build_model_index(pipe.config, variation.config, diffusers.__version__),
    )
