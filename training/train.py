#!/usr/bin/python3
"""Train the toy-shapes unCLIP on CPU, stage by stage, resumably; export the ONNX model package.

  /usr/bin/python3 training/train.py                      # all stages (resumes from training/checkpoints/)
  /usr/bin/python3 training/train.py --max-minutes 30     # stop (with a checkpoint) after 30 minutes; rerun to continue
  /usr/bin/python3 training/train.py --export-only        # export models/toy-shapes from the checkpoints
  /usr/bin/python3 training/train.py --smoke              # every stage for a few steps, package in a temp dir
"""
import os

# One thread each for OpenBLAS and torch unless told otherwise: on 2 cores, two torch threads spent more time
# waiting for each other than computing (CLIP 0.67 s/it with two threads, 0.25 s/it with one; decoder 0.33-0.36
# against 0.28), and an OpenBLAS pool per torch thread made it worse. Must be set before numpy/torch load.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import copy
import json
import math
import random
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from toyshapes import bpe, data, diffusion, export, models  # noqa: E402

CFG = {
    "n_train": 24000,
    "data_seed": 1,
    "max_len": 24,
    "text_width": 128,
    "text_layers": 3,
    "embed_dim": 64,
    "clip_size": 32,
    "cross_dim": 128,
    "prior_width": 512,
    "prior_blocks": 3,
    "prior_clip_range": 5.0,
    "dec_size": 32,
    "dec_channels": (24, 48, 96),
    "dec_attn_levels": (),  # decoder levels whose pixels also attend to the context tokens (see models.Decoder)
    "dec_mid_heads": 1,
    "dec_extra_tokens": 4,  # text_proj's extra context tokens from the image embedding (clip_extra_context_tokens)
    "sr_size": 64,
    "sr_channels": (16, 32, 64),
    "sr_crop": 32,
    # iterations per stage and batch sizes
    "classifier_its": 1500, "classifier_batch": 64,
    # (what the shipped package was trained with; see models/toy-shapes/README.md)
    "clip_its": 3000, "clip_batch": 64,
    "prior_its": 2400, "prior_batch": 256,
    "decoder_its": 15000, "decoder_batch": 32,
    "sr_its": 900, "sr_batch": 32,
    # settings that the recipes below change
    "clip_shape_negatives": True,  # each image also against its caption with another shape (data.swap_shape)
    "clip_fill_negatives": True,  # ... and for circles and rings, half of the time the fill partner (data.FILL_PARTNER)
    "clip_colour_negatives": True,  # each image also against its caption with the two colours exchanged (data.swap_colours)
    "decoder_empty_prompt": 0.5,  # share of rows with the empty prompt and the image embedding
    "decoder_degraded": 0.5,  # share of image embeddings taken from an imperfect copy (data.degrade)
    "decoder_ema": 0.999,
    "decoder_decay_from": 0.5,  # cosine learning-rate decay over the last part of the run (fraction of its)
    # written into model_index.json as _pipeline_defaults: the arguments this model wants unless the caller gives
    # others. Prior guidance 1 (none), not Karlo's 4, at which this prior's embeddings over-shoot: measured over the
    # evaluation's 300 pictures and the default prompt on 16 seeds (models/toy-shapes/README.md)
    "pipeline_defaults": {"prior_guidance_scale": 1.0},
}
# Measured alternatives (models/toy-shapes/README.md, "Tried"): first-release is the package shipped before this
# one (plain CLIP, shorter decoder run); context-16 adds context attention at 16x16; tokens-8 gives the middle
# block 8 image tokens and 4 heads; four-levels adds a 4x4 UNet level. None measured better than the default.
FIRST_RELEASE_DECODER = {"decoder_empty_prompt": 0.45, "decoder_degraded": 0.0, "decoder_ema": 0.995, "decoder_decay_from": None}
# the shipped package: trained to 12,000 decoder iterations, then continued to 15,000 (--its decoder=15000 on the
# finished checkpoint, so its learning rate rose again and fell along a new cosine); a fresh run goes to 15,000 at once
SECOND_RELEASE = {"clip_fill_negatives": False, "clip_colour_negatives": False, "prior_its": 600, "decoder_its": 12000}
RECIPES = {
    "shipped": {},
    "second-release": SECOND_RELEASE,
    "first-release": {**SECOND_RELEASE, "clip_its": 1500, "clip_shape_negatives": False, "decoder_its": 7000, **FIRST_RELEASE_DECODER},
    "context-16": {**SECOND_RELEASE, "dec_attn_levels": (1,), "decoder_its": 10000},
    "tokens-8": {**SECOND_RELEASE, "dec_mid_heads": 4, "dec_extra_tokens": 8, "decoder_its": 8000, **FIRST_RELEASE_DECODER, "decoder_decay_from": 0.6},
    "four-levels": {**SECOND_RELEASE, "dec_channels": (24, 48, 96, 192), "decoder_its": 10000},
}
SMOKE = {"n_train": 256, "classifier_its": 2, "clip_its": 2, "prior_its": 2, "decoder_its": 2, "sr_its": 2,
         "clip_batch": 32, "prior_batch": 32, "decoder_batch": 8, "sr_batch": 8, "classifier_batch": 16}
EVAL_SEED = 777


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


class EMA:
    def __init__(self, module, decay):
        self.decay = decay
        self.shadow = copy.deepcopy(module).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, module):
        for s, p in zip(self.shadow.parameters(), module.parameters()):
            s.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)
        for s, b in zip(self.shadow.buffers(), module.buffers()):
            s.copy_(b)


def lr_at(step, base=1e-3, warmup=100, its=None, decay_from=None, floor=0.02):
    """Linear warm-up; then constant, or (decay_from = a fraction of its) cosine down to floor * base."""
    lr = base * min(1.0, (step + 1) / warmup)
    if decay_from is not None and its:
        start = decay_from * its
        if step > start:
            p = min(1.0, (step - start) / max(1.0, its - start))
            lr = base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))
    return lr


class Ctx:
    """Shared state: config, checkpoint folder, data, tokenizer, and the trained parts loaded so far."""

    def __init__(self, cfg, ckpt, deadline):
        self.cfg, self.ckpt, self.deadline = cfg, ckpt, deadline
        os.makedirs(ckpt, exist_ok=True)
        self._data = None
        self.tok = None
        self.export_only = False

    def data(self):
        if self._data is None:
            path = os.path.join(self.ckpt, f"data_{self.cfg['n_train']}_{self.cfg['data_seed']}.pt")
            if os.path.exists(path):
                self._data = torch.load(path)
            else:
                t0 = time.time()
                attrs, caps, x64, x32 = data.make_split(self.cfg["n_train"], self.cfg["data_seed"])
                self._data = {"attrs": attrs, "caps": caps, "x64": x64, "x32": x32}
                torch.save(self._data, path)
                log(f"rendered {len(caps)} training images in {time.time() - t0:.0f}s")
        return self._data


def clip_pixels(x32_u8):
    """What the feature extractor produces from a 32px uint8 image (rescale, CLIP mean/std)."""
    mean = torch.tensor(export.CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(export.CLIP_STD).view(1, 3, 1, 1)
    return (x32_u8.float() / 255 - mean) / std


def live_target(ctx, name, its):
    """Iteration targets can be changed while training runs: checkpoints/its.json = {"decoder": 2500, ...}."""
    path = os.path.join(ctx.ckpt, "its.json")
    try:
        with open(path) as f:
            new = int(json.load(f).get(name, its))
    except (OSError, ValueError):
        return its
    if new != its:
        log(f"[{name}] target changed to {new} by {path}")
    return new


def run_stage(ctx, name, its, modules, ema_decay, step_fn, lr=1e-3, report=None, save_every=100, decay_from=None):
    """Generic resumable loop: modules (dict) trained by one AdamW; EMA copies if ema_decay;
    the learning rate decays (cosine) over the last part of the run if decay_from is set."""
    path = os.path.join(ctx.ckpt, f"{name}.pt")
    params = [p for m in modules.values() for p in m.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    emas = {k: EMA(m, ema_decay) for k, m in modules.items()} if ema_decay else {}
    state = {"step": 0, "seconds": 0.0}
    if os.path.exists(path):
        ck = torch.load(path)
        for k, m in modules.items():
            m.load_state_dict(ck["model"][k])
        for k, e in emas.items():
            e.shadow.load_state_dict(ck["ema"][k])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]

    def save():
        torch.save({"model": {k: m.state_dict() for k, m in modules.items()},
                    "ema": {k: e.shadow.state_dict() for k, e in emas.items()},
                    "opt": opt.state_dict(), "state": state}, path + ".tmp")
        os.replace(path + ".tmp", path)

    if ctx.export_only:
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: train first")
        log(f"[{name}] using checkpoint at step {state['step']}")
    elif state["step"] >= live_target(ctx, name, its):
        log(f"[{name}] done ({state['step']} its, {state['seconds'] / 60:.1f} min)")
    else:
        its = live_target(ctx, name, its)
        log(f"[{name}] from step {state['step']} to {its}")
        for m in modules.values():
            m.train()
        t_last = time.time()
        while state["step"] < its:
            for g in opt.param_groups:
                g["lr"] = lr_at(state["step"], lr, its=its, decay_from=decay_from)
            loss, info = step_fn(state["step"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            for k, e in emas.items():
                e.update(modules[k])
            state["step"] += 1
            now = time.time()
            state["seconds"] += now - t_last
            t_last = now
            if state["step"] % 25 == 0:
                its = live_target(ctx, name, its)
            if state["step"] % 25 == 0 or state["step"] == its:
                log(f"[{name}] {state['step']}/{its} loss {loss.item():.4f} {info} ({state['seconds'] / state['step']:.2f} s/it)")
            if state["step"] % save_every == 0 or state["step"] == its:
                save()
            if time.time() > ctx.deadline:
                save()
                log(f"[{name}] time limit reached at step {state['step']}; rerun to continue")
                raise SystemExit(3)
        save()
        if report:
            report()
    out = {k: (emas[k].shadow if k in emas else m).eval() for k, m in modules.items()}
    return out, state


# ----------------------------------------------------------------------------------------------- stages


def stage_tokenizer(ctx):
    folder = os.path.join(ctx.ckpt, "tokenizer")
    if not os.path.exists(os.path.join(folder, "vocab.json")):
        _, caps = data.sample_dataset(20000, ctx.cfg["data_seed"] + 100)
        vocab, merges = bpe.learn(caps)
        bpe.Tokenizer(vocab, merges, ctx.cfg["max_len"]).save(folder)
    ctx.tok = bpe.Tokenizer.load(folder)
    log(f"[tokenizer] {len(ctx.tok.vocab)} tokens")


def stage_classifier(ctx):
    """The evaluation's shape classifier. Not trained on the model's data: renders of every combination, in
    any colours, with the flaws of generated pictures, so it judges the outline and nothing else."""
    cfg = ctx.cfg
    clf = models.ShapeClassifier()
    g = torch.Generator().manual_seed(5)
    rng = random.Random(5)

    def step(i):
        shapes, x = data.classifier_batch(cfg["classifier_batch"], rng, g)
        logits = clf(x)
        loss = F.cross_entropy(logits, shapes)
        return loss, f"acc {(logits.argmax(1) == shapes).float().mean():.2f}"

    out, _ = run_stage(ctx, "classifier", cfg["classifier_its"], {"clf": clf}, None, step, lr=2e-3)
    return out["clf"]


def stage_clip(ctx):
    cfg, d = ctx.cfg, ctx.data()
    tenc = models.TextEncoder(len(ctx.tok.vocab), cfg["max_len"], cfg["text_width"], cfg["text_layers"], 4, cfg["embed_dim"])
    ienc = models.ImageEncoder(cfg["embed_dim"])
    scale = torch.nn.Module()
    scale.logit = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    ids, _ = ctx.tok.encode_batch(d["caps"])
    # Hard negatives (optional): each caption with its shape word swapped for each other shape. Random in-batch
    # captions mostly differ in colour or background, which lets the towers neglect shape; an image must also
    # beat its own caption with the wrong shape, so shape gets its place in the embedding.
    hard = cfg["clip_shape_negatives"]
    n_shapes = len(data.SHAPES)
    if hard:
        swapped = [data.swap_shape(c, a, (a["shape"] + k) % n_shapes) for k in range(1, n_shapes) for a, c in zip(d["attrs"], d["caps"])]
        neg_ids = ctx.tok.encode_batch(swapped)[0].view(n_shapes - 1, len(ids), -1)
        # k such that (shape + k) % n_shapes is the fill partner (circle <-> ring), or -1 for shapes without one
        partner_k = torch.tensor([(data.FILL_PARTNER[a["shape"]] - a["shape"]) % n_shapes - 1 if a["shape"] in data.FILL_PARTNER else -1
                                  for a in d["attrs"]])
    # Colour hard negatives (optional): the caption with shape and background colours exchanged, so that the
    # embedding binds each colour to its role; low-contrast pairs (red on blue, pink on cyan) depend on it.
    colour_neg = cfg["clip_colour_negatives"]
    if colour_neg:
        col_ids = ctx.tok.encode_batch([data.swap_colours(c, a) for a, c in zip(d["attrs"], d["caps"])])[0]
    g = torch.Generator().manual_seed(6)

    def step(i):
        idx = torch.randint(0, len(ids), (cfg["clip_batch"],), generator=g)
        px = clip_pixels(d["x32"][idx])
        px = px + torch.randn(px.shape, generator=g) * torch.rand(len(idx), 1, 1, 1, generator=g) * 0.3
        ie, _ = ienc(px)
        te, _ = tenc(ids[idx])
        ie_n, te_n = F.normalize(ie, dim=-1), F.normalize(te, dim=-1)
        s = scale.logit.clamp(max=4.6).exp()
        logits = ie_n @ te_n.T * s
        # captions repeated within a batch are not negatives of each other
        same = torch.tensor([[d["caps"][a] == d["caps"][b] for b in idx.tolist()] for a in idx.tolist()], dtype=torch.float32)
        target = same / same.sum(1, keepdim=True)
        acc = (logits.argmax(1) == torch.arange(len(idx))).float().mean()
        info = f"i2t top1 {acc:.2f}"
        i2t = logits.log_softmax(1)
        negs = []
        if hard:
            k = torch.randint(0, n_shapes - 1, (len(idx),), generator=g)
            if cfg["clip_fill_negatives"]:
                # a circle meets "ring" (and a ring "circle") half the time: fill is the hardest shape distinction
                pk = partner_k[idx]
                k = torch.where((pk >= 0) & (torch.rand(len(idx), generator=g) < 0.5), pk, k)
            neg_n = F.normalize(tenc(neg_ids[k, idx])[0], dim=-1)
            negs.append((ie_n * neg_n).sum(-1, keepdim=True) * s)  # image i against its own caption, wrong shape
            info += f" beats wrong shape {(negs[-1].squeeze(1) < logits.diagonal()).float().mean():.2f}"
        if colour_neg:
            col_n = F.normalize(tenc(col_ids[idx])[0], dim=-1)
            negs.append((ie_n * col_n).sum(-1, keepdim=True) * s)  # image i against its caption, colours exchanged
            info += f" beats swapped colours {(negs[-1].squeeze(1) < logits.diagonal()).float().mean():.2f}"
        if negs:
            i2t = torch.cat([logits, *negs], 1).log_softmax(1)[:, : len(idx)]
        loss = (-(target * i2t).sum(1).mean() - (target * logits.T.log_softmax(1)).sum(1).mean()) / 2
        return loss, info

    out, _ = run_stage(ctx, "clip", cfg["clip_its"], {"tenc": tenc, "ienc": ienc, "scale": scale}, None, step, lr=5e-4)
    return out["tenc"], out["ienc"]


@torch.no_grad()
def embed_images(ienc, x32_u8, chunk=1024):
    """CLIP image embeddings of 32px uint8 pictures, a chunk at a time."""
    return torch.cat([ienc(clip_pixels(x32_u8[s : s + chunk]))[0] for s in range(0, len(x32_u8), chunk)])


@torch.no_grad()
def encode_all(ctx, tenc, ienc):
    """Text encoder outputs for every caption and "" and image embeddings for every training image."""
    d = ctx.data()
    ids, mask = ctx.tok.encode_batch(d["caps"])
    te, hs = [], []
    for s in range(0, len(ids), 1024):
        a, b = tenc(ids[s : s + 1024])
        te.append(a)
        hs.append(b)
    e_ids, e_mask = ctx.tok.encode_batch([""])
    e_te, e_hs = tenc(e_ids)
    enc = {"te": torch.cat(te), "hs": torch.cat(hs), "mask": mask, "e_te": e_te, "e_hs": e_hs, "e_mask": e_mask,
           "ie": embed_images(ienc, d["x32"])}
    if ctx.cfg["decoder_degraded"] > 0:
        # embeddings of imperfect copies of the same pictures (see data.degrade), for the decoder
        enc["ie_deg"] = embed_images(ienc, data.degrade(d["x64"], ctx.cfg["data_seed"] + 2))
    return enc


def text_batch(enc, idx, drop):
    """Text-side inputs for rows idx; rows where drop is True get the empty prompt."""
    te, hs, mask = enc["te"][idx].clone(), enc["hs"][idx].clone(), enc["mask"][idx].clone()
    te[drop], hs[drop], mask[drop] = enc["e_te"][0], enc["e_hs"][0], enc["e_mask"][0]
    return te, hs, mask


def stage_prior(ctx, enc):
    cfg = ctx.cfg
    prior = models.Prior(cfg["embed_dim"], cfg["text_width"], cfg["prior_width"], cfg["prior_blocks"])
    mean, std = enc["ie"].mean(0), enc["ie"].std(0)
    z = (enc["ie"] - mean) / std
    g = torch.Generator().manual_seed(7)

    def step(i):
        idx = torch.randint(0, len(z), (cfg["prior_batch"],), generator=g)
        drop = torch.rand(len(idx), generator=g) < 0.1  # classifier-free guidance: "" as the unconditional prompt
        te, hs, mask = text_batch(enc, idx, drop)
        t = torch.randint(0, 1000, (len(idx),), generator=g)
        x0 = z[idx]
        xt = diffusion.q_sample(x0, t, torch.randn(x0.shape, generator=g))
        pred = prior(xt, t, te, hs, mask)
        loss = F.mse_loss(pred, x0)
        cos = F.cosine_similarity(pred * std + mean, enc["ie"][idx]).mean()
        return loss, f"cos {cos:.3f}"

    out, _ = run_stage(ctx, "prior", cfg["prior_its"], {"prior": prior}, 0.995, step)
    return out["prior"], mean, std


def stage_decoder(ctx, enc):
    cfg, d = ctx.cfg, ctx.data()
    ted = cfg["dec_channels"][0] * 4
    tproj = models.TextProj(cfg["embed_dim"], cfg["text_width"], cfg["cross_dim"], ted, cfg["dec_extra_tokens"])
    dec = models.Decoder(cfg["dec_channels"], cfg["cross_dim"], attn_levels=cfg["dec_attn_levels"], mid_heads=cfg["dec_mid_heads"])
    g = torch.Generator().manual_seed(8)

    def step(i):
        idx = torch.randint(0, len(d["caps"]), (cfg["decoder_batch"],), generator=g)
        r = torch.rand(len(idx), generator=g)
        uncond = r < 0.1  # learned embedding + "" : the unconditional half of guidance
        no_text = r < 0.1 + cfg["decoder_empty_prompt"]  # the variation pipeline conditions on the image with an empty prompt
        te, hs, mask = text_batch(enc, idx, no_text)
        ie = enc["ie"][idx]
        if cfg["decoder_degraded"] > 0:
            # the embedding of an imperfect copy: redraw the clean shape from a generated picture's embedding
            deg = torch.rand(len(idx), generator=g) < cfg["decoder_degraded"]
            ie = torch.where(deg.unsqueeze(1), enc["ie_deg"][idx], ie)
        img = torch.where(uncond.unsqueeze(1), tproj.learned_cfg.expand(len(idx), -1), ie)
        ctx_tokens, add = tproj(img, te, hs)
        dmask = torch.cat([torch.ones(len(idx), tproj.extra, dtype=torch.bool), mask], 1)
        x0 = data.to_unit(d["x32"][idx])
        t = torch.randint(0, 1000, (len(idx),), generator=g)
        noise = torch.randn(x0.shape, generator=g)
        xt = diffusion.q_sample(x0, t, noise)
        out = dec(xt, t, ctx_tokens, add, dmask)
        loss, mse, kl = diffusion.hybrid_loss(out, x0, xt, t, noise)
        return loss, f"mse {mse:.4f} vb {kl:.4f}"

    out, _ = run_stage(ctx, "decoder", cfg["decoder_its"], {"tproj": tproj, "dec": dec}, cfg["decoder_ema"], step, save_every=50,
                       decay_from=cfg["decoder_decay_from"])
    return out["tproj"], out["dec"]


def stage_superres(ctx):
    cfg, d = ctx.cfg, ctx.data()
    sr = models.SuperRes(cfg["sr_channels"], diffusion.ABAR.clone())
    g = torch.Generator().manual_seed(9)
    c = cfg["sr_crop"]

    def step(i):
        idx = torch.randint(0, len(d["caps"]), (cfg["sr_batch"],), generator=g)
        hi = data.to_unit(d["x64"][idx])
        lo = data.to_unit(d["x32"][idx])
        # the decoder's output is not a perfect render: a little noise on the low-resolution input
        lo = lo + torch.randn(lo.shape, generator=g) * torch.rand(len(idx), 1, 1, 1, generator=g) * 0.04
        up = data.upscale(lo, cfg["sr_size"])
        # fully convolutional: train on random crops, run on the whole image
        y0, x0c = [int(v) for v in torch.randint(0, cfg["sr_size"] - c + 1, (2,), generator=g)]
        hi, up = hi[:, :, y0 : y0 + c, x0c : x0c + c], up[:, :, y0 : y0 + c, x0c : x0c + c]
        t = torch.randint(0, 1000, (len(idx),), generator=g)
        noise = torch.randn(hi.shape, generator=g)
        xt = diffusion.q_sample(hi, t, noise)
        eps = sr(torch.cat([xt, up], 1), t)
        loss = (((eps - noise) ** 2).mean((1, 2, 3)) * diffusion.min_snr_weight(t)).mean()
        return loss, ""

    out, _ = run_stage(ctx, "superres", cfg["sr_its"], {"sr": sr}, 0.995, step, save_every=50)
    return out["sr"]


def write_eval_files(ctx, clf, folder):
    """The evaluation's shape classifier and its 100 held-out captions (triples never seen in training)."""
    os.makedirs(folder, exist_ok=True)
    export.onnx_export(clf.eval(), (torch.rand(2, 3, 64, 64),), os.path.join(folder, "shape_classifier.onnx"), ["image"], ["logits"])
    attrs, caps = data.sample_dataset(100, EVAL_SEED, held_out=True)
    rows = [{"caption": c, "shape": data.SHAPES[a["shape"]], "colour": data.COLOUR_NAMES[a["colour"]],
             "background": data.COLOUR_NAMES[a["bg"]], "size": data.SIZES[a["size"]], "position": data.POSITIONS[a["position"]][0]}
            for a, c in zip(attrs, caps)]
    meta = {"shapes": data.SHAPES, "colours": {k: list(v) for k, v in data.COLOURS.items()},
            "classifier_input": "[B, 3, 64, 64] float32 RGB in [0, 1]", "captions": rows}
    with open(os.path.join(folder, "eval_set.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="a few steps per stage, package to a temp dir")
    ap.add_argument("--max-minutes", type=float, default=1e9, help="stop with a checkpoint after this long")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--out", default=None, help="package folder (default models/toy-shapes)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 measured fastest on 2 cores, see above)")
    ap.add_argument("--checkpoints", default=None, help="checkpoint folder (default training/checkpoints)")
    ap.add_argument("--recipe", choices=list(RECIPES), default="shipped",
                    help="training settings: those of the shipped package, or another measured set (see RECIPES)")
    ap.add_argument("--stop-after", choices=["classifier", "clip", "prior", "superres"], default=None,
                    help="stop (without exporting) once this stage is trained, e.g. to train it further beside a running decoder")
    ap.add_argument("--its", action="append", default=[], metavar="STAGE=N",
                    help="override a stage's iteration count, e.g. --its decoder=2000 (resumes past the old target)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    cfg = dict(CFG)
    cfg.update(RECIPES[args.recipe])
    if args.smoke:
        cfg.update(SMOKE)
        ckpt = tempfile.mkdtemp(prefix="toy-shapes-smoke-")
        out = args.out or os.path.join(ckpt, "package")
        eval_dir = os.path.join(ckpt, "eval")
    else:
        ckpt = args.checkpoints or os.path.join(HERE, "checkpoints")
        out = args.out or os.path.join(HERE, "..", "models", "toy-shapes")
        eval_dir = os.path.join(HERE, "eval")
    for o in args.its:
        k, v = o.split("=")
        cfg[{"superres": "sr"}.get(k, k) + "_its"] = int(v)
    deadline = time.time() + args.max_minutes * 60
    ctx = Ctx(cfg, ckpt, deadline)
    ctx.export_only = args.export_only
    t0 = time.time()
    stage_tokenizer(ctx)
    # The evaluation stays fixed across retrains: another draw of the classifier's weights moves the figures
    # of borderline pictures by several points, so packages are compared with the committed one, and the
    # classifier is only trained when its file is absent.
    if os.path.exists(os.path.join(eval_dir, "shape_classifier.onnx")):
        log(f"[classifier] keeping the evaluation files in {eval_dir} (delete them to write this run's)")
    else:
        write_eval_files(ctx, stage_classifier(ctx), eval_dir)
    if args.stop_after == "classifier":
        return
    tenc, ienc = stage_clip(ctx)
    if args.stop_after == "clip":
        return
    enc_path = os.path.join(ckpt, "encodings.pt")  # costly on a busy CPU; valid as long as clip.pt is unchanged
    clip_mtime = os.path.getmtime(os.path.join(ckpt, "clip.pt"))
    enc = torch.load(enc_path) if os.path.exists(enc_path) and os.path.getmtime(enc_path) > clip_mtime else None
    if enc is None or (cfg["decoder_degraded"] > 0 and "ie_deg" not in enc):
        enc = encode_all(ctx, tenc, ienc)
        torch.save(enc, enc_path)
    prior, mean, std = stage_prior(ctx, enc)
    if args.stop_after == "prior":
        return
    sr = stage_superres(ctx)
    if args.stop_after == "superres":
        return
    tproj, dec = stage_decoder(ctx, enc)  # last, so that it can take whatever time is left
    export.export_package(os.path.abspath(out), cfg, ctx.tok, tenc, ienc, prior, mean, std, tproj, dec, sr, copy.deepcopy(sr))
    log(f"package written to {os.path.abspath(out)} ({time.time() - t0:.0f}s)")
    times = {}
    for name in ("classifier", "clip", "prior", "decoder", "superres"):
        if not os.path.exists(os.path.join(ckpt, f"{name}.pt")):
            continue
        ck = torch.load(os.path.join(ckpt, f"{name}.pt"))
        times[name] = {"its": ck["state"]["step"], "minutes": round(ck["state"]["seconds"] / 60, 1)}
    log(f"training time per stage: {json.dumps(times)}")


if __name__ == "__main__":
    main()
