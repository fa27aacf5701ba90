"""Small torch modules with the call signatures of the real unCLIP components.

They mirror diffusers 0.23 / transformers 4.35 where it matters to the exporter:

* forward keyword arguments and output attribute names (``.predicted_image_embedding``, ``.sample``,
  ``.text_embeds``, ``.last_hidden_state``, ``.image_embeds``), ``return_dict``;
* a ``.config`` that is a mapping with attribute access (diffusers) or an attribute object with
  ``save_pretrained`` (transformers), and ``save_config`` on diffusers-style objects;
* the tensor code paths that are hard to export: int64 timesteps through a sinusoidal embedding,
  bool masks turned into additive masks and ``repeat_interleave``-d over heads on the batch axis,
  the CLIP causal mask filled with ``finfo.min``, argmax pooling, nearest upsampling, GroupNorm;
* ``post_process_latents``, ``clip_mean`` / ``clip_std`` and
  ``learned_classifier_free_guidance_embeddings`` parameters.

Class names are those of the real classes, because configs record them.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

STANDIN_DIFFUSERS_VERSION = "0.23.0"
STANDIN_TRANSFORMERS_VERSION = "4.35.0.dev0"


def _dump(config: Dict[str, Any], path: Path) -> None:
    Path(path).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


class FrozenConfig(dict):
    """diffusers' FrozenDict: a mapping whose keys are also attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class DiffusersConfigMixin:
    """``save_config`` as diffusers' ConfigMixin writes it."""

    config_name = "config.json"

    def save_config(self, save_directory, push_to_hub: bool = False, **kwargs):
        Path(save_directory).mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in self.config.items() if k not in ("_use_default_values", "_ignore_files")}
        data["_class_name"] = type(self).__name__
        data.setdefault("_diffusers_version", STANDIN_DIFFUSERS_VERSION)
        _dump(data, Path(save_directory) / self.config_name)


class PretrainedConfigStandIn:
    """transformers' PretrainedConfig: attributes, ``to_dict`` and ``save_pretrained``."""

    def __init__(self, **values):
        self.architectures = None
        self.__dict__.update(values)

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)

    def save_pretrained(self, save_directory, push_to_hub: bool = False, **kwargs):
        Path(save_directory).mkdir(parents=True, exist_ok=True)
        data = self.to_dict()
        if data.get("architectures") is None:
            data.pop("architectures")
        data.setdefault("transformers_version", STANDIN_TRANSFORMERS_VERSION)
        _dump(data, Path(save_directory) / "config.json")


class Output:
    """diffusers BaseOutput / transformers ModelOutput: results as attributes."""

    def __init__(self, **values):
        self.__dict__.update(values)


# ---------------------------------------------------------------------------------------------------
# Building blocks


def timestep_embedding(timesteps: torch.Tensor, dim: int, flip_sin_to_cos: bool = True, shift: float = 0.0):
    half = dim // 2
    exponent = -math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - shift)
    emb = timesteps[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb


class Attention(nn.Module):
    """Attention in diffusers' classic processor form: heads folded into the batch, additive mask."""

    def __init__(self, dim: int, heads: int, head_dim: int, added_kv_dim: Optional[int] = None, norm_groups=None):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.scale = head_dim**-0.5
        self.group_norm = nn.GroupNorm(norm_groups, dim) if norm_groups else None
        self.to_q = nn.Linear(dim, inner)
        self.to_k = nn.Linear(dim, inner)
        self.to_v = nn.Linear(dim, inner)
        self.add_k_proj = nn.Linear(added_kv_dim, inner) if added_kv_dim else None
        self.add_v_proj = nn.Linear(added_kv_dim, inner) if added_kv_dim else None
        self.to_out = nn.Linear(inner, dim)

    def head_to_batch_dim(self, x):
        b, s, d = x.shape
        return x.reshape(b, s, self.heads, d // self.heads).permute(0, 2, 1, 3).reshape(b * self.heads, s, d // self.heads)

    def batch_to_head_dim(self, x):
        bh, s, d = x.shape
        return x.reshape(bh // self.heads, self.heads, s, d).permute(0, 2, 1, 3).reshape(bh // self.heads, s, d * self.heads)

    def prepare_attention_mask(self, attention_mask, target_length, batch_size):
        if attention_mask is None:
            return None
        if attention_mask.shape[-1] != target_length:
            attention_mask = F.pad(attention_mask, (0, target_length), value=0.0)
        if attention_mask.shape[0] < batch_size * self.heads:
            attention_mask = attention_mask.repeat_interleave(self.heads, dim=0)
        return attention_mask

    def scores(self, query, key, attention_mask):
        if attention_mask is None:
            scores = torch.bmm(query, key.transpose(-1, -2)) * self.scale
        else:
            scores = torch.baddbmm(attention_mask, query, key.transpose(-1, -2), beta=1, alpha=self.scale)
        return scores.softmax(dim=-1)

    def forward(self, hidden_states, encoder_hidden_states=None, attention_mask=None):
        batch, seq, _ = hidden_states.shape
        attention_mask = self.prepare_attention_mask(attention_mask, seq, batch)
        if self.group_norm is not None:
            hidden_states = self.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
        query = self.head_to_batch_dim(self.to_q(hidden_states))
        key = self.head_to_batch_dim(self.to_k(hidden_states))
        value = self.head_to_batch_dim(self.to_v(hidden_states))
        if self.add_k_proj is not None:
            # Added-KV (SimpleCrossAttn) attention: text keys first, then the image's own keys.
            key = torch.cat([self.head_to_batch_dim(self.add_k_proj(encoder_hidden_states)), key], dim=1)
            value = torch.cat([self.head_to_batch_dim(self.add_v_proj(encoder_hidden_states)), value], dim=1)
        out = torch.bmm(self.scores(query, key, attention_mask), value)
        return self.to_out(self.batch_to_head_dim(out))


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, groups: int, scale_shift: bool):
        super().__init__()
        self.scale_shift = scale_shift
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout * 2 if scale_shift else cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        t = self.time_emb_proj(F.silu(temb))[:, :, None, None]
        if self.scale_shift:
            scale, shift = torch.chunk(t, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        else:
            h = self.norm2(h + t)
        h = self.conv2(F.silu(h))
        return (x if self.shortcut is None else self.shortcut(x)) + h


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, head_dim: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads, head_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, hidden_states, attention_mask=None):
        hidden_states = hidden_states + self.attn1(self.norm1(hidden_states), attention_mask=attention_mask)
        return hidden_states + self.ff(self.norm3(hidden_states))


# ---------------------------------------------------------------------------------------------------
# diffusers stand-ins


class PriorTransformer(DiffusersConfigMixin, nn.Module):
    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = FrozenConfig(config)
        heads, head_dim = config["num_attention_heads"], config["attention_head_dim"]
        inner = heads * head_dim
        dim = config["embedding_dim"]
        self.additional_embeddings = config.get("additional_embeddings", 4)
        tokens = config["num_embeddings"] + self.additional_embeddings
        self.inner = inner
        self.time_embedding = nn.Sequential(nn.Linear(inner, inner), nn.SiLU(), nn.Linear(inner, inner))
        self.proj_in = nn.Linear(dim, inner)
        self.embedding_proj = nn.Linear(dim, inner)
        self.encoder_hidden_states_proj = nn.Linear(dim, inner)
        self.positional_embedding = nn.Parameter(0.1 * torch.randn(1, tokens, inner))
        self.prd_embedding = nn.Parameter(0.1 * torch.randn(1, 1, inner))
        self.transformer_blocks = nn.ModuleList(
            TransformerBlock(inner, heads, head_dim) for _ in range(config["num_layers"])
        )
        self.norm_out = nn.LayerNorm(inner)
        self.proj_to_clip_embeddings = nn.Linear(inner, dim)
        causal = torch.full([tokens, tokens], -10000.0).triu_(1)[None, ...]
        self.register_buffer("causal_attention_mask", causal, persistent=False)
        self.clip_mean = nn.Parameter(torch.zeros(1, dim))
        self.clip_std = nn.Parameter(torch.zeros(1, dim))

    @property
    def dtype(self):
        return self.proj_in.weight.dtype

    def forward(
        self,
        hidden_states,
        timestep,
        proj_embedding,
        encoder_hidden_states=None,
        attention_mask=None,
        return_dict: bool = True,
    ):
        batch_size = hidden_states.shape[0]
        timesteps = timestep
        if not torch.is_tensor(timesteps):
            timesteps = torch.tensor([timesteps], dtype=torch.long)
        elif len(timesteps.shape) == 0:
            timesteps = timesteps[None]
        timesteps = timesteps * torch.ones(batch_size, dtype=timesteps.dtype)
        time_embeddings = self.time_embedding(timestep_embedding(timesteps, self.inner).to(self.dtype))

        proj_embeddings = self.embedding_proj(proj_embedding)
        encoder_hidden_states = self.encoder_hidden_states_proj(encoder_hidden_states)
        hidden_states = self.proj_in(hidden_states)
        prd = self.prd_embedding.expand(batch_size, -1, -1)
        hidden_states = torch.cat(
            [encoder_hidden_states, proj_embeddings[:, None, :], time_embeddings[:, None, :], hidden_states[:, None, :], prd],
            dim=1,
        )
        hidden_states = hidden_states + self.positional_embedding
        if attention_mask is not None:
            attention_mask = (1 - attention_mask.to(hidden_states.dtype)) * -10000.0
            attention_mask = F.pad(attention_mask, (0, self.additional_embeddings), value=0.0)
            attention_mask = attention_mask[:, None, :] + self.causal_attention_mask
            attention_mask = attention_mask.repeat_interleave(self.config.num_attention_heads, dim=0)
        for block in self.transformer_blocks:
            hidden_states = block(hidden_states, attention_mask=attention_mask)
        hidden_states = self.norm_out(hidden_states)[:, -1]
        predicted = self.proj_to_clip_embeddings(hidden_states)
        if not return_dict:
            return (predicted,)
        return Output(predicted_image_embedding=predicted)

    def post_process_latents(self, prior_latents):
        return prior_latents * self.clip_std + self.clip_mean


class UnCLIPTextProjModel(DiffusersConfigMixin, nn.Module):
    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = FrozenConfig(config)
        clip, extra = config["clip_embeddings_dim"], config["clip_extra_context_tokens"]
        cross, time = config["cross_attention_dim"], config["time_embed_dim"]
        self.learned_classifier_free_guidance_embeddings = nn.Parameter(torch.zeros(clip))
        self.embedding_proj = nn.Linear(clip, time)
        self.clip_image_embeddings_project_to_time_embeddings = nn.Linear(clip, time)
        self.clip_extra_context_tokens = extra
        self.clip_extra_context_tokens_proj = nn.Linear(clip, extra * cross)
        self.encoder_hidden_states_proj = nn.Linear(clip, cross)
        self.text_encoder_hidden_states_norm = nn.LayerNorm(cross)

    def forward(self, *, image_embeddings, prompt_embeds, text_encoder_hidden_states, do_classifier_free_guidance):
        if do_classifier_free_guidance:
            learned = self.learned_classifier_free_guidance_embeddings[None].expand(image_embeddings.shape[0], -1)
            image_embeddings = torch.cat([learned, image_embeddings], dim=0)
        batch_size = prompt_embeds.shape[0]
        additive = self.embedding_proj(prompt_embeds) + self.clip_image_embeddings_project_to_time_embeddings(
            image_embeddings
        )
        extra = self.clip_extra_context_tokens_proj(image_embeddings)
        extra = extra.reshape(batch_size, -1, self.clip_extra_context_tokens).permute(0, 2, 1)
        text = self.text_encoder_hidden_states_norm(self.encoder_hidden_states_proj(text_encoder_hidden_states))
        return torch.cat([extra, text], dim=1), additive


class UNet2DConditionModel(DiffusersConfigMixin, nn.Module):
    """Karlo decoder shape: ResNet level, then a SimpleCrossAttn level, class_labels added to the time embedding."""

    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = FrozenConfig(config)
        c0, c1 = config["block_out_channels"][:2]
        groups = config.get("norm_num_groups", 32)
        head_dim = config["attention_head_dim"]
        temb = c0 * 4
        self.c0 = c0
        self.conv_in = nn.Conv2d(config["in_channels"], c0, 3, padding=1)
        self.time_embedding = nn.Sequential(nn.Linear(c0, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.down0 = ResnetBlock(c0, c0, temb, groups, scale_shift=True)
        self.downsample = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResnetBlock(c0, c1, temb, groups, scale_shift=True)
        self.attn = Attention(c1, c1 // head_dim, head_dim, added_kv_dim=config["cross_attention_dim"], norm_groups=groups)
        self.up1 = ResnetBlock(c1, c0, temb, groups, scale_shift=True)
        self.norm_out = nn.GroupNorm(groups, c0)
        self.conv_out = nn.Conv2d(c0, config["out_channels"], 3, padding=1)

    def forward(
        self,
        sample,
        timestep,
        encoder_hidden_states,
        class_labels=None,
        timestep_cond=None,
        attention_mask=None,
        cross_attention_kwargs=None,
        added_cond_kwargs=None,
        down_block_additional_residuals=None,
        mid_block_additional_residual=None,
        down_intrablock_additional_residuals=None,
        encoder_attention_mask=None,
        return_dict: bool = True,
    ):
        if attention_mask is not None:
            attention_mask = (1 - attention_mask.to(sample.dtype)) * -10000.0
            attention_mask = attention_mask.unsqueeze(1)
        timesteps = timestep
        if not torch.is_tensor(timesteps):
            timesteps = torch.tensor([timesteps], dtype=torch.long)
        elif len(timesteps.shape) == 0:
            timesteps = timesteps[None]
        timesteps = timesteps.expand(sample.shape[0])
        emb = self.time_embedding(timestep_embedding(timesteps, self.c0).to(sample.dtype))
        if class_labels is not None:
            emb = emb + class_labels.to(sample.dtype)  # class_embed_type "identity"

        h = self.conv_in(sample)
        skip = self.down0(h, emb)
        h = self.down1(self.downsample(skip), emb)
        b, c, hh, ww = h.shape
        tokens = h.view(b, c, -1).transpose(1, 2)
        h = h + self.attn(tokens, encoder_hidden_states, attention_mask).transpose(1, 2).reshape(b, c, hh, ww)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up1(h, emb) + skip
        out = self.conv_out(F.silu(self.norm_out(h)))
        if not return_dict:
            return (out,)
        return Output(sample=out)


class UNet2DModel(DiffusersConfigMixin, nn.Module):
    """Super-res UNet shape: timestep broadcast with ``* ones``, mid self-attention, nearest upsampling."""

    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = FrozenConfig(config)
        c0, c1 = config["block_out_channels"][:2]
        groups = config.get("norm_num_groups", 32)
        head_dim = config.get("attention_head_dim") or 8
        temb = c0 * 4
        self.c0 = c0
        self.conv_in = nn.Conv2d(config["in_channels"], c0, 3, padding=1)
        self.time_embedding = nn.Sequential(nn.Linear(c0, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.down0 = ResnetBlock(c0, c0, temb, groups, scale_shift=False)
        self.downsample = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResnetBlock(c0, c1, temb, groups, scale_shift=False)
        self.attn = Attention(c1, c1 // head_dim, head_dim, norm_groups=groups) if config.get("add_attention", True) else None
        self.up1 = ResnetBlock(c1, c0, temb, groups, scale_shift=False)
        self.norm_out = nn.GroupNorm(groups, c0)
        self.conv_out = nn.Conv2d(c0, config["out_channels"], 3, padding=1)

    def forward(self, sample, timestep, class_labels=None, return_dict: bool = True):
        timesteps = timestep
        if not torch.is_tensor(timesteps):
            timesteps = torch.tensor([timesteps], dtype=torch.long)
        elif len(timesteps.shape) == 0:
            timesteps = timesteps[None]
        timesteps = timesteps * torch.ones(sample.shape[0], dtype=timesteps.dtype)
        emb = self.time_embedding(timestep_embedding(timesteps, self.c0).to(sample.dtype))
        h = self.conv_in(sample)
        skip = self.down0(h, emb)
        h = self.down1(self.downsample(skip), emb)
        if self.attn is not None:
            b, c, hh, ww = h.shape
            tokens = h.view(b, c, -1).transpose(1, 2)
            h = h + self.attn(tokens).transpose(1, 2).reshape(b, c, hh, ww)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up1(h, emb) + skip
        out = self.conv_out(F.silu(self.norm_out(h)))
        if not return_dict:
            return (out,)
        return Output(sample=out)


class UnCLIPScheduler(DiffusersConfigMixin):
    config_name = "scheduler_config.json"

    def __init__(self, config: Dict[str, Any]):
        self.config = FrozenConfig(config)


# ---------------------------------------------------------------------------------------------------
# transformers stand-ins


class CLIPEncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ffn: int):
        super().__init__()
        self.heads = heads
        self.layer_norm1 = nn.LayerNorm(dim)
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(dim, dim) for _ in range(4))
        self.layer_norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)

    def attention(self, x, causal_mask):
        b, s, d = x.shape
        hd = d // self.heads

        def split(t):
            return t.view(b, s, self.heads, hd).transpose(1, 2).reshape(b * self.heads, s, hd)

        q, k, v = split(self.q_proj(x) * hd**-0.5), split(self.k_proj(x)), split(self.v_proj(x))
        weights = torch.bmm(q, k.transpose(1, 2))
        if causal_mask is not None:
            weights = (weights.view(b, self.heads, s, s) + causal_mask).view(b * self.heads, s, s)
        out = torch.bmm(weights.softmax(dim=-1), v)
        return self.out_proj(out.view(b, self.heads, s, hd).transpose(1, 2).reshape(b, s, d))

    def forward(self, x, causal_mask=None):
        x = x + self.attention(self.layer_norm1(x), causal_mask)
        h = self.fc1(self.layer_norm2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class CLIPTextModelWithProjection(nn.Module):
    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = PretrainedConfigStandIn(**config)
        c = self.config
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings)[None], persistent=False)
        self.layers = nn.ModuleList(
            CLIPEncoderLayer(c.hidden_size, c.num_attention_heads, c.intermediate_size) for _ in range(c.num_hidden_layers)
        )
        self.final_layer_norm = nn.LayerNorm(c.hidden_size)
        self.text_projection = nn.Linear(c.hidden_size, c.projection_dim, bias=False)

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        position_ids=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
    ):
        bsz, seq = input_ids.shape
        if position_ids is None:
            position_ids = self.position_ids[:, :seq]
        hidden = self.token_embedding(input_ids) + self.position_embedding(position_ids)
        causal = torch.full((seq, seq), torch.finfo(hidden.dtype).min).triu(1)[None, None].expand(bsz, 1, seq, seq)
        for layer in self.layers:
            hidden = layer(hidden, causal)
        last_hidden_state = self.final_layer_norm(hidden)
        pooled = last_hidden_state[torch.arange(bsz), input_ids.to(dtype=torch.int).argmax(dim=-1)]
        text_embeds = self.text_projection(pooled)
        if return_dict is False:
            return (text_embeds, last_hidden_state)
        return Output(text_embeds=text_embeds, last_hidden_state=last_hidden_state, hidden_states=None, attentions=None)


class CLIPVisionModelWithProjection(nn.Module):
    def __init__(self, config: Dict[str, Any]):
        super().__init__()
        self.config = PretrainedConfigStandIn(**config)
        c = self.config
        patches = (c.image_size // c.patch_size) ** 2
        self.class_embedding = nn.Parameter(torch.randn(c.hidden_size))
        self.patch_embedding = nn.Conv2d(c.num_channels, c.hidden_size, c.patch_size, stride=c.patch_size, bias=False)
        self.position_embedding = nn.Embedding(patches + 1, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(patches + 1)[None], persistent=False)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size)
        self.layers = nn.ModuleList(
            CLIPEncoderLayer(c.hidden_size, c.num_attention_heads, c.intermediate_size) for _ in range(c.num_hidden_layers)
        )
        self.post_layernorm = nn.LayerNorm(c.hidden_size)
        self.visual_projection = nn.Linear(c.hidden_size, c.projection_dim, bias=False)

    def forward(self, pixel_values=None, output_attentions=None, output_hidden_states=None, return_dict=None):
        b = pixel_values.shape[0]
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(b, 1, -1)
        hidden = torch.cat([cls, patches], dim=1) + self.position_embedding(self.position_ids)
        hidden = self.pre_layrnorm(hidden)
        for layer in self.layers:
            hidden = layer(hidden)
        last_hidden_state = hidden
        image_embeds = self.visual_projection(self.post_layernorm(last_hidden_state[:, 0, :]))
        if return_dict is False:
            return (image_embeds, last_hidden_state)
        return Output(image_embeds=image_embeds, last_hidden_state=last_hidden_state, hidden_states=None, attentions=None)


class CLIPImageProcessor:
    def __init__(self, config: Dict[str, Any]):
        self.config = dict(config)

    def save_pretrained(self, save_directory, **kwargs):
        Path(save_directory).mkdir(parents=True, exist_ok=True)
        _dump(self.config, Path(save_directory) / "preprocessor_config.json")


class CLIPTokenizer:
    """Saves the files of ``source_dir``, or a minimal BPE vocabulary when there is none.

    Like some transformers versions it also writes ``added_tokens.json``, which is not part of the package.
    """

    def __init__(self, source_dir: Optional[Path] = None):
        self.source_dir = Path(source_dir) if source_dir else None

    def __call__(self, texts, padding="max_length", max_length=77, truncation=True, return_tensors="np"):
        """transformers' call as the calibration uses it: whole words looked up in the vocabulary
        (unknown words become the end token), BOS/EOS, padded with EOS to ``max_length``."""
        vocab = (
            json.loads((self.source_dir / "vocab.json").read_text(encoding="utf-8"))
            if self.source_dir is not None
            else {"a</w>": 0, "b</w>": 1, "<|startoftext|>": 2, "<|endoftext|>": 3}
        )
        bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
        ids, mask = [], []
        for text in texts:
            row = [bos] + [vocab.get(w + "</w>", eos) for w in text.lower().split()][: max_length - 2] + [eos]
            mask.append([1] * len(row) + [0] * (max_length - len(row)))
            ids.append(row + [eos] * (max_length - len(row)))
        return {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64)}

    def save_pretrained(self, save_directory, **kwargs):
        out = Path(save_directory)
        out.mkdir(parents=True, exist_ok=True)
        if self.source_dir is not None:
            for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
                shutil.copyfile(self.source_dir / name, out / name)
        else:
            vocab = {"a</w>": 0, "b</w>": 1, "<|startoftext|>": 2, "<|endoftext|>": 3}
            _dump(vocab, out / "vocab.json")
            (out / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
            _dump({"model_max_length": 77, "tokenizer_class": "CLIPTokenizer"}, out / "tokenizer_config.json")
            _dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>"}, out / "special_tokens_map.json")
        _dump({}, out / "added_tokens.json")
        return tuple(str(p) for p in out.iterdir())
