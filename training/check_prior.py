#!/usr/bin/python3
"""What the trained prior asks the decoder for, before the decoder exists: sample the prior from its checkpoint
(the pipeline's sampling: 25 steps, the package's prior guidance — CFG["pipeline_defaults"], 1 — clip range 5) for some captions over several
seeds, and read each sampled embedding's attributes from its nearest training pictures (cosine, the 5 nearest
vote). A prior that ignores its noisy input gives the same picture on every seed; one that confuses circle and
ring or the two colours shows it here in seconds.

  /usr/bin/python3 training/check_prior.py [--checkpoints training/checkpoints] [--seeds 6] [--guidance G]
"""
import argparse
import collections
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from toyshapes import bpe, data, diffusion, models  # noqa: E402
from train import CFG  # noqa: E402

PROBES = [
    "a large red circle in the centre on a blue background",
    "a large pink circle in the centre on a cyan background",
    "a large red ring in the centre on a blue background",
    "a red circle",
    "a green star on a black background",
    "a small blue square",
]


def load(ckpt):
    cfg = CFG
    tok = bpe.Tokenizer.load(os.path.join(ckpt, "tokenizer"))
    tenc = models.TextEncoder(len(tok.vocab), cfg["max_len"], cfg["text_width"], cfg["text_layers"], 4, cfg["embed_dim"])
    tenc.load_state_dict(torch.load(os.path.join(ckpt, "clip.pt"))["model"]["tenc"])
    prior = models.Prior(cfg["embed_dim"], cfg["text_width"], cfg["prior_width"], cfg["prior_blocks"])
    prior.load_state_dict(torch.load(os.path.join(ckpt, "prior.pt"))["ema"]["prior"])
    enc = torch.load(os.path.join(ckpt, "encodings.pt"))
    d = torch.load(os.path.join(ckpt, f"data_{cfg['n_train']}_{cfg['data_seed']}.pt"))
    return tok, tenc.eval(), prior.eval(), enc, d["attrs"]


@torch.no_grad()
def sample(tok, tenc, prior, enc, caption, seeds, guidance):
    ids, mask = tok.encode_batch([caption, ""])
    te, hs = tenc(ids)
    mean, std = enc["ie"].mean(0), enc["ie"].std(0)
    out = []
    for seed in seeds:
        gen = torch.Generator().manual_seed(seed)

        def model_fn(x, t):
            xx = x.expand(2, -1)
            pred = prior(xx, torch.full((2,), t), te, hs, mask)
            return pred[1:] + guidance * (pred[:1] - pred[1:])

        z = diffusion.sample_loop(model_fn, (1, te.shape[1]), 25, "sample", "fixed_small_log", CFG["prior_clip_range"], gen)
        out.append(z[0] * std + mean)
    return torch.stack(out)


def nearest_attributes(emb, bank, attrs, k=5):
    sims = torch.nn.functional.normalize(emb, dim=-1) @ torch.nn.functional.normalize(bank, dim=-1).T
    rows = []
    for row in sims.topk(k, dim=1).indices.tolist():
        vote = {}
        for key, names in (("shape", data.SHAPES), ("colour", data.COLOUR_NAMES), ("bg", data.COLOUR_NAMES),
                           ("size", data.SIZES), ("position", [p[0] for p in data.POSITIONS])):
            vote[key] = names[collections.Counter(attrs[i][key] for i in row).most_common(1)[0][0]]
        rows.append(vote)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoints", default=os.path.join(HERE, "checkpoints"))
    ap.add_argument("--seeds", type=int, default=6)
    # the guidance the shipped package's pipeline_defaults give the app (Karlo's 4 when it sets none)
    ap.add_argument("--guidance", type=float, default=CFG.get("pipeline_defaults", {}).get("prior_guidance_scale", 4.0))
    ap.add_argument("--caption", action="append", default=[], help="captions to check (default: a fixed probe set)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    tok, tenc, prior, enc, attrs = load(args.checkpoints)
    for caption in args.caption or PROBES:
        z = sample(tok, tenc, prior, enc, caption, range(args.seeds), args.guidance)
        rows = nearest_attributes(z, enc["ie"], attrs)
        cells = [f"{r['size']} {r['colour']} {r['shape']} {r['position']} on {r['bg']}" for r in rows]
        print(f"{caption!r}:\n  " + "\n  ".join(cells))


if __name__ == "__main__":
    main()
