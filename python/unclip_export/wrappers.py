"""Wrap each diffusers / transformers module so that its forward has exactly the graph's signature.

The wrappers call the modules the way the pipelines do (keyword arguments, output attributes), so
the traced graph is the module's own computation; nothing is re-implemented here.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import torch
from torch import nn


class TextEncoderGraph(nn.Module):
    """CLIPTextModelWithProjection, called without an attention mask (as the pipeline does)."""

    def __init__(self, text_encoder: nn.Module):
        super().__init__()
        self.m = text_encoder

    def forward(self, input_ids: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = self.m(input_ids=input_ids, return_dict=True)
        return out.text_embeds, out.last_hidden_state


class PriorGraph(nn.Module):
    """PriorTransformer. ``post_process_latents`` stays outside: it uses the clip_mean/std sidecars."""

    def __init__(self, prior: nn.Module):
        super().__init__()
        self.m = prior

    def forward(self, hidden_states, timestep, proj_embedding, encoder_hidden_states, attention_mask):
        out = self.m(
            hidden_states=hidden_states,
            timestep=timestep,
            proj_embedding=proj_embedding,
            encoder_hidden_states=encoder_hidden_states,
            attention_mask=attention_mask,
            return_dict=True,
        )
        return out.predicted_image_embedding


class TextProjGraph(nn.Module):
    """UnCLIPTextProjModel without guidance: the caller concatenates the learned CFG embedding itself."""

    def __init__(self, text_proj: nn.Module):
        super().__init__()
        self.m = text_proj

    def forward(self, image_embeddings, prompt_embeds, text_encoder_hidden_states):
        hidden, additive = self.m(
            image_embeddings=image_embeddings,
            prompt_embeds=prompt_embeds,
            text_encoder_hidden_states=text_encoder_hidden_states,
            do_classifier_free_guidance=False,
        )
        return hidden, additive


class DecoderGraph(nn.Module):
    """UNet2DConditionModel with Karlo's class_labels (additive CLIP time embeddings) and mask."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.m = decoder

    def forward(self, sample, timestep, encoder_hidden_states, class_labels, attention_mask):
        out = self.m(
            sample=sample,
            timestep=timestep,
            encoder_hidden_states=encoder_hidden_states,
            class_labels=class_labels,
            attention_mask=attention_mask,
            return_dict=True,
        )
        return out.sample


class SuperResGraph(nn.Module):
    """UNet2DModel (super_res_first / super_res_last)."""

    def __init__(self, unet: nn.Module):
        super().__init__()
        self.m = unet

    def forward(self, sample, timestep):
        return self.m(sample=sample, timestep=timestep, return_dict=True).sample


class ImageEncoderGraph(nn.Module):
    """CLIPVisionModelWithProjection (image variation pipeline)."""

    def __init__(self, image_encoder: nn.Module):
        super().__init__()
        self.m = image_encoder

    def forward(self, pixel_values):
        out = self.m(pixel_values=pixel_values, return_dict=True)
        return out.image_embeds, out.last_hidden_state


WRAPPERS = {
    "text_encoder": TextEncoderGraph,
    "prior": PriorGraph,
    "text_proj": TextProjGraph,
    "decoder": DecoderGraph,
    "super_res_first": SuperResGraph,
    "super_res_last": SuperResGraph,
    "image_encoder": ImageEncoderGraph,
}


def wrap(name: str, module: nn.Module) -> nn.Module:
    """The graph-signature wrapper for component ``name``, in eval mode and without gradients."""
    try:
        cls = WRAPPERS[name]
    except KeyError:
        raise KeyError(f"no ONNX graph is exported for component {name!r}") from None
    wrapper = cls(module)
    wrapper.eval()
    wrapper.requires_grad_(False)
    return wrapper


def run_torch(wrapper: nn.Module, feeds: Dict[str, Any], input_names) -> Tuple[torch.Tensor, ...]:
    """Run a wrapper on numpy feeds; returns the outputs as a tuple (float32 numpy arrays)."""
    args = [torch.from_numpy(feeds[name].copy()) for name in input_names]
    with torch.no_grad():
        out = wrapper(*args)
    if isinstance(out, torch.Tensor):
        out = (out,)
    return tuple(o.detach().float().cpu().numpy() for o in out)
