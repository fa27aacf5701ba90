"""Small versions of the unCLIP components. Each forward() has exactly the inputs/outputs of its ONNX graph."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of int64 timesteps [B] (cos first, as diffusers' flip_sin_to_cos=True)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class Attention(nn.Module):
    """Multi-head attention; `bias` is an additive mask broadcastable to [B, heads, Lq, Lk]."""

    def __init__(self, dim: int, heads: int, kv_dim: int = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(kv_dim or dim, dim)
        self.v = nn.Linear(kv_dim or dim, dim)
        self.o = nn.Linear(dim, dim)

    def split(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

    def forward(self, x, kv, bias=None):
        q, k, v = self.split(self.q(x)), self.split(self.k(kv)), self.split(self.v(kv))
        w = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if bias is not None:
            w = w + bias
        y = (w.softmax(-1) @ v).transpose(1, 2)
        return self.o(y.reshape(y.shape[0], y.shape[1], -1))


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, bias):
        h = self.ln1(x)
        x = x + self.attn(h, h, bias)
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    """CLIP text tower: causal transformer, pooled at the first <|endoftext|> (the largest id), projected."""

    def __init__(self, vocab_size: int, max_len: int, width: int = 128, layers: int = 3, heads: int = 4, proj: int = 64):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, width)
        self.pos = nn.Parameter(torch.randn(max_len, width) * 0.01)
        self.blocks = nn.ModuleList([TransformerBlock(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, proj, bias=False)
        causal = torch.full((max_len, max_len), -1e4).triu(1)
        self.register_buffer("causal", causal, persistent=False)

    def forward(self, input_ids):
        x = self.tok(input_ids) + self.pos
        for blk in self.blocks:
            x = blk(x, self.causal)
        hidden = self.ln(x)
        idx = input_ids.argmax(-1)
        pooled = torch.gather(hidden, 1, idx.view(-1, 1, 1).expand(-1, 1, hidden.shape[-1])).squeeze(1)
        return self.proj(pooled), hidden


def conv_bn(i, o, stride=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class ImageEncoder(nn.Module):
    """CLIP image tower: a small CNN with BatchNorm (converges far faster than a ViT here); 4x4 feature tokens."""

    def __init__(self, proj: int = 64, width: int = 128):
        super().__init__()
        self.net = nn.Sequential(
            conv_bn(3, 32, 2), conv_bn(32, 64), conv_bn(64, 64, 2), conv_bn(64, width), conv_bn(width, width, 2)
        )
        self.head = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, proj))

    def forward(self, pixel_values):
        f = self.net(pixel_values)  # [B, C, 4, 4]
        tokens = f.flatten(2).transpose(1, 2)
        return self.head(tokens.mean(1)), tokens


class Prior(nn.Module):
    """Diffusion prior predicting the clean (normalised) image embedding from the noisy one and the text."""

    def __init__(self, dim: int = 64, text_width: int = 128, width: int = 512, blocks: int = 4):
        super().__init__()
        self.ln_text = nn.LayerNorm(dim)
        self.ln_hidden = nn.LayerNorm(text_width)
        self.time = nn.Sequential(nn.Linear(128, width), nn.SiLU(), nn.Linear(width, width))
        self.inp = nn.Linear(dim + dim + text_width, width)
        self.blocks = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width)) for _ in range(blocks)]
        )
        self.out = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, dim))

    def forward(self, hidden_states, timestep, proj_embedding, encoder_hidden_states, attention_mask):
        m = attention_mask.float().unsqueeze(-1)
        pooled = (self.ln_hidden(encoder_hidden_states) * m).sum(1) / m.sum(1).clamp(min=1.0)
        h = self.inp(torch.cat([hidden_states, self.ln_text(proj_embedding), pooled], -1))
        temb = self.time(timestep_embedding(timestep, 128))
        for blk in self.blocks:
            h = h + blk(h + temb)
        return self.out(h)


class TextProj(nn.Module):
    """unCLIP's text_proj: image embedding -> extra context tokens and an additive time embedding."""

    def __init__(self, dim: int = 64, text_width: int = 128, cross: int = 128, time_dim: int = 128, extra: int = 4):
        super().__init__()
        self.extra = extra
        self.cross = cross
        self.to_tokens = nn.Linear(dim, extra * cross)
        self.img_time = nn.Linear(dim, time_dim)
        self.txt_time = nn.Linear(dim, time_dim)
        self.ln_txt = nn.LayerNorm(dim)
        self.txt_proj = nn.Linear(text_width, cross)
        self.ln_tokens = nn.LayerNorm(cross)
        # the unconditional half of classifier-free guidance passes this instead of an image embedding
        self.learned_cfg = nn.Parameter(torch.randn(dim))

    def forward(self, image_embeddings, prompt_embeds, text_encoder_hidden_states):
        img = F.normalize(image_embeddings, dim=-1) * math.sqrt(image_embeddings.shape[-1])
        time = self.img_time(img) + self.txt_time(self.ln_txt(prompt_embeds))
        extra = self.to_tokens(img).reshape(-1, self.extra, self.cross)
        txt = self.txt_proj(text_encoder_hidden_states)
        return self.ln_tokens(torch.cat([extra, txt], 1)), time


def gn(c):
    return nn.GroupNorm(8, c)


class ResBlock(nn.Module):
    def __init__(self, i, o, tdim):
        super().__init__()
        self.n1, self.c1 = gn(i), nn.Conv2d(i, o, 3, 1, 1)
        self.emb = nn.Linear(tdim, 2 * o)
        self.n2, self.c2 = gn(o), nn.Conv2d(o, o, 3, 1, 1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.emb(F.silu(emb)).unsqueeze(-1).unsqueeze(-1).chunk(2, 1)
        h = self.n2(h) * (1 + scale) + shift  # condition enters as scale/shift, like resnet_time_scale_shift
        return self.skip(x) + self.c2(F.silu(h))


class CrossAttnBlock(nn.Module):
    """Self-attention whose keys/values also include the context tokens (as SimpleCrossAttn / added-KV)."""

    def __init__(self, c, cross, heads=4, self_attn=True):
        super().__init__()
        self.self_attn = self_attn
        self.norm = gn(c)
        self.heads = heads
        self.q = nn.Linear(c, c)
        if self_attn:
            self.k, self.v = nn.Linear(c, c), nn.Linear(c, c)
        self.k_ctx, self.v_ctx = nn.Linear(cross, c), nn.Linear(cross, c)
        self.o = nn.Linear(c, c)

    def forward(self, x, ctx, ctx_bias):
        b, c, h, w = x.shape
        t = self.norm(x).flatten(2).transpose(1, 2)
        sp = lambda y: y.reshape(y.shape[0], y.shape[1], self.heads, c // self.heads).transpose(1, 2)
        q = sp(self.q(t))
        if self.self_attn:
            k = torch.cat([sp(self.k(t)), sp(self.k_ctx(ctx))], 2)
            v = torch.cat([sp(self.v(t)), sp(self.v_ctx(ctx))], 2)
            zeros = torch.zeros_like(t[:, :, 0]).unsqueeze(1).unsqueeze(1)  # [B,1,1,HW]: own pixels always visible
            ctx_bias = torch.cat([zeros, ctx_bias], -1)
        else:  # at the larger resolution only the context tokens are attended (pixel self-attention is costly on CPU)
            k, v = sp(self.k_ctx(ctx)), sp(self.v_ctx(ctx))
        wgt = q @ k.transpose(-1, -2) / math.sqrt(c // self.heads) + ctx_bias
        y = (wgt.softmax(-1) @ v).transpose(1, 2).reshape(b, h * w, c)
        return x + self.o(y).transpose(1, 2).reshape(b, c, h, w)


class Decoder(nn.Module):
    """Text-conditional UNet: time embedding + additive CLIP embedding, cross-attention to the context tokens;
    6 output channels (epsilon + learned variance)."""

    def __init__(self, ch=(32, 64, 128), cross=128, out_channels=6, attn_levels=(), mid_heads=1):
        super().__init__()
        self.ch = ch
        # Levels (indices into ch, not the last) whose pixels also attend to the context tokens on the way down and
        # up (as Karlo's cross-attention blocks do): the image embedding then shapes the picture at that resolution
        # too, not only through the 8x8 middle and the additive embedding. Context only: pixel self-attention at
        # 16x16 costs about as much as the rest of the UNet on a 2-core CPU.
        self.attn_levels = tuple(attn_levels)
        self.down_attn = nn.ModuleDict({str(i): CrossAttnBlock(ch[i], cross, heads=4, self_attn=False) for i in self.attn_levels})
        self.up_attn = nn.ModuleDict({str(i): CrossAttnBlock(ch[i], cross, heads=4, self_attn=False) for i in self.attn_levels})
        tdim = ch[0] * 4
        self.time = nn.Sequential(nn.Linear(ch[0], tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.cin = nn.Conv2d(3, ch[0], 3, 1, 1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        prev = ch[0]
        for i, c in enumerate(ch):
            self.down.append(ResBlock(prev, c, tdim))
            self.downsample.append(nn.Conv2d(c, c, 3, 2, 1) if i < len(ch) - 1 else nn.Identity())
            prev = c
        self.mid1, self.mid_attn, self.mid2 = ResBlock(prev, prev, tdim), CrossAttnBlock(prev, cross, heads=mid_heads), ResBlock(prev, prev, tdim)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch))):
            self.up.append(ResBlock(prev + ch[i], ch[i], tdim))
            prev = ch[i]
        self.nout = gn(ch[0])
        self.cout = nn.Conv2d(ch[0], out_channels, 3, 1, 1)

    def forward(self, sample, timestep, encoder_hidden_states, class_labels, attention_mask):
        emb = self.time(timestep_embedding(timestep, self.ch[0])) + class_labels
        bias = ((1.0 - attention_mask.float()) * -1e4).unsqueeze(1).unsqueeze(1)
        ctx = encoder_hidden_states
        h = self.cin(sample)
        skips = []
        for i in range(len(self.ch)):
            h = self.down[i](h, emb)
            if str(i) in self.down_attn:
                h = self.down_attn[str(i)](h, ctx, bias)
            skips.append(h)
            if i < len(self.ch) - 1:
                h = self.downsample[i](h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb), ctx, bias), emb)
        for j, i in enumerate(reversed(range(len(self.ch)))):
            h = self.up[j](torch.cat([h, skips[i]], 1), emb)
            if str(i) in self.up_attn:
                h = self.up_attn[str(i)](h, ctx, bias)
            if i > 0:
                h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        return self.cout(F.silu(self.nout(h)))


class SuperRes(nn.Module):
    """Unconditional-in-text UNet (no attention, like Karlo's super-res): input = latents + upscaled image.
    The network predicts a correction to the upscaled image (its clean estimate) and returns the epsilon that
    this estimate implies, so an untrained model already reproduces the bicubic upscale and training only has
    to add the detail."""

    def __init__(self, ch=(16, 32, 64, 128), alphas_cumprod=None):
        super().__init__()
        self.ch = ch
        self.register_buffer("abar", alphas_cumprod if alphas_cumprod is not None else torch.linspace(0.9999, 1e-4, 1000))
        tdim = ch[0] * 4
        self.time = nn.Sequential(nn.Linear(ch[0], tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.cin = nn.Conv2d(6, ch[0], 3, 1, 1)
        self.down = nn.ModuleList()
        prev = ch[0]
        for c in ch:
            self.down.append(ResBlock(prev, c, tdim))
            prev = c
        self.downsample = nn.ModuleList([nn.Conv2d(c, c, 3, 2, 1) for c in ch[:-1]])
        self.mid = ResBlock(prev, prev, tdim)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch))):
            self.up.append(ResBlock(prev + ch[i], ch[i], tdim))
            prev = ch[i]
        self.nout = gn(ch[0])
        self.cout = nn.Conv2d(ch[0], 3, 3, 1, 1)
        nn.init.zeros_(self.cout.weight)
        nn.init.zeros_(self.cout.bias)

    def forward(self, sample, timestep):
        emb = self.time(timestep_embedding(timestep, self.ch[0]))
        h = self.cin(sample)
        skips = []
        for i in range(len(self.ch)):
            h = self.down[i](h, emb)
            skips.append(h)
            if i < len(self.ch) - 1:
                h = self.downsample[i](h)
        h = self.mid(h, emb)
        for j, i in enumerate(reversed(range(len(self.ch)))):
            h = self.up[j](torch.cat([h, skips[i]], 1), emb)
            if i > 0:
                h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        x0 = sample[:, 3:6] + self.cout(F.silu(self.nout(h)))
        abar = self.abar[timestep].view(-1, 1, 1, 1)
        return (sample[:, 0:3] - abar.sqrt() * x0) / (1 - abar).sqrt()


class ShapeClassifier(nn.Module):
    """Evaluation-only CNN (independent of CLIP): 64x64 image in [0, 1] -> shape logits."""

    def __init__(self, n: int = 6):
        super().__init__()
        # deep enough that one unit of the last 4x4 map sees a whole large shape (receptive field > 64 px)
        self.net = nn.Sequential(conv_bn(3, 32, 2), conv_bn(32, 64, 2), conv_bn(64, 96, 1), conv_bn(96, 96, 2),
                                 conv_bn(96, 128, 1), conv_bn(128, 128, 2), conv_bn(128, 128, 1))
        self.fc = nn.Linear(128, n)

    def forward(self, image):
        return self.fc(self.net(image * 2 - 1).mean((2, 3)))
