"""Calibration inputs for static int8 quantisation: real prompts through the package's own float32 graphs.

Static QDQ convolutions need the range of every activation they quantise; ranges measured on random
N(0, 1) inputs miss what the UNets see in use (the conditioning of real prompts, samples that become
images). So the calibration set is made the way the app makes those inputs, with the float32 graphs
just exported, run in onnxruntime:

1. the prompts (``DEFAULT_PROMPTS`` plus ``""``, the unconditional row classifier-free guidance runs
   beside every prompt) are tokenised and run through ``text_encoder``;
2. ``prior`` once at t = 999 (Karlo's prior predicts the clean embedding, so this is its first
   estimate), post-processed with ``clip_std``/``clip_mean``; the unconditional row gets the learned
   guidance embedding, as the pipeline does;
3. ``text_proj`` gives the decoder's ``encoder_hidden_states`` and ``class_labels``;
4. the decoder samples from noise with a few deterministic (DDIM) steps on the scheduler's ᾱ; every
   step's input is a calibration input, and the last clean estimate is the 64² image;
5. super-res inputs are that image upsampled (nearest neighbour) beside noise mixed with it at the
   scheduler's ᾱ for a few timesteps (``super_res_last`` at the end of the schedule).

The samplers are simplified (a few DDIM steps instead of the pipeline's 25 UnCLIPScheduler steps, no
guidance mixing): what matters for calibration is that the activations have the ranges of real use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx

Feeds = Dict[str, np.ndarray]

DEFAULT_PROMPTS: Tuple[str, ...] = (
    "a photograph of a cat sitting on a sofa",
    "a watercolor painting of mountains at sunrise",
    "a bowl of fruit on a wooden table",
    "a city street at night with neon signs",
    "a portrait of an old man with a white beard",
    "a red circle and a blue square on a white background",
    "an astronaut riding a horse on the moon",
    "a close-up photo of a sunflower",
    "a sailboat on a calm lake, oil painting",
    "a plate of pasta seen from above",
)
DECODER_TIMESTEPS = (999, 799, 599, 399, 199)  # the DDIM steps; each step's input is calibrated
SUPER_RES_FIRST_TIMESTEPS = (999, 500)
SUPER_RES_LAST_TIMESTEPS = (0,)
ROWS = 2  # batch rows per calibration job (a CFG pair): keeps the probe's intermediate tensors small


class CalibrationError(RuntimeError):
    pass


def _input_shapes(path: Path) -> Dict[str, List[int]]:
    model = onnx.load(str(path), load_external_data=False)
    return {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input}


def alphas_cumprod(scheduler_config: Dict) -> np.ndarray:
    """ᾱ_t of the scheduler's beta schedule (the two UnCLIPScheduler/DDPM use in these packages)."""
    steps = int(scheduler_config.get("num_train_timesteps", 1000))
    schedule = scheduler_config.get("beta_schedule", "squaredcos_cap_v2")
    if schedule == "squaredcos_cap_v2":

        def alpha_bar(t: float) -> float:
            return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

        betas = np.array([min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), 0.999) for i in range(steps)])
    elif schedule == "linear":
        betas = np.linspace(scheduler_config.get("beta_start", 1e-4), scheduler_config.get("beta_end", 0.02), steps)
    else:
        raise CalibrationError(f"beta_schedule {schedule!r} is not one calibration knows (squaredcos_cap_v2, linear)")
    return np.cumprod(1.0 - betas)


def tokenize(tokenizer, prompts: Sequence[str], length: int) -> Tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and the bool ``attention_mask`` as the pipeline pads them (max_length)."""
    encoded = tokenizer(list(prompts), padding="max_length", max_length=length, truncation=True, return_tensors="np")
    ids = np.asarray(encoded["input_ids"], dtype=np.int64)
    mask = np.asarray(encoded["attention_mask"]).astype(bool)
    if ids.shape != (len(prompts), length):
        raise CalibrationError(f"tokenizer returned input_ids of shape {ids.shape}, expected {(len(prompts), length)}")
    return ids, mask


def _chunks(n: int, rows: int) -> List[slice]:
    return [slice(i, min(i + rows, n)) for i in range(0, n, rows)]


@dataclass
class Conditioning:
    """What the prompts condition the decoder with: text encoder, one prior step, text_proj."""

    text_embeds: np.ndarray
    hidden: np.ndarray
    prior_feeds: Feeds
    image_embeds: np.ndarray
    proj: Feeds
    decoder_mask: np.ndarray


def condition(graph: Dict[str, Path], pkg: Path, runner, ids: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> Conditioning:
    """``text_encoder`` → ``prior`` once at t = 999 (Karlo's prior predicts the clean embedding, so this is its
    first estimate), post-processed with the sidecars, the last row (``""``) given the learned guidance
    embedding as the pipeline does → ``text_proj``; the decoder's attention mask with its extra tokens.
    Shared by calibration and the fp16 drift report (``fp16_drift.py``) so both run the same pipeline."""
    n = ids.shape[0]
    seq_len = ids.shape[1]
    [enc] = runner.run([(graph["text_encoder"], {"input_ids": ids})])
    text_embeds, hidden = enc["text_embeds"], enc["last_hidden_state"]
    prior_dim = _input_shapes(graph["prior"])["hidden_states"][1]
    prior_feeds = {
        "hidden_states": rng.standard_normal((n, prior_dim)).astype(np.float32),
        "timestep": np.full(n, 999, np.int64),
        "proj_embedding": text_embeds,
        "encoder_hidden_states": hidden,
        "attention_mask": mask,
    }
    [prior] = runner.run([(graph["prior"], prior_feeds)])
    image_embeds = prior["predicted_image_embedding"] * np.load(pkg / "prior" / "clip_std.npy") + np.load(pkg / "prior" / "clip_mean.npy")
    image_embeds[-1] = np.load(pkg / "text_proj" / "learned_classifier_free_guidance_embeddings.npy")
    image_embeds = image_embeds.astype(np.float32)
    [proj] = runner.run(
        [(graph["text_proj"], {"image_embeddings": image_embeds, "prompt_embeds": text_embeds, "text_encoder_hidden_states": hidden})]
    )
    extra = _input_shapes(graph["decoder"])["attention_mask"][1] - seq_len
    dec_mask = np.concatenate([np.ones((n, extra), bool), mask], axis=1)
    return Conditioning(text_embeds, hidden, prior_feeds, image_embeds, proj, dec_mask)


def prompt_calibration_feeds(
    package_dir: Path,
    runner,
    tokenizer=None,
    token_ids: Optional[Tuple[np.ndarray, np.ndarray]] = None,
    prompts: Sequence[str] = DEFAULT_PROMPTS,
    seed: int = 0,
    rows: int = ROWS,
    log: Callable[[str], None] = print,
) -> Dict[str, List[Feeds]]:
    """Calibration feeds per component (``prior``, ``decoder``, ``super_res_first``, ``super_res_last``) of the
    float32 package in ``package_dir``. Give either ``tokenizer`` (called like transformers' CLIPTokenizer)
    or ``token_ids`` = (input_ids, attention_mask) already made for ``prompts`` + ``""``."""
    pkg = Path(package_dir)
    graph = {name: pkg / name / "model.onnx" for name in ("text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last")}
    for name, path in graph.items():
        if not path.is_file():
            raise CalibrationError(f"{path}: missing; prompt calibration runs the whole float32 package")
    all_prompts = list(prompts) + [""]
    seq_len = _input_shapes(graph["text_encoder"])["input_ids"][1]
    if token_ids is not None:
        ids, mask = np.asarray(token_ids[0], np.int64), np.asarray(token_ids[1]).astype(bool)
        if ids.shape != (len(all_prompts), seq_len) or mask.shape != ids.shape:
            raise CalibrationError(f"token ids of shape {ids.shape}/{mask.shape}, expected {(len(all_prompts), seq_len)} (the prompts plus \"\")")
    elif tokenizer is not None:
        ids, mask = tokenize(tokenizer, all_prompts, seq_len)
    else:
        raise CalibrationError("prompt calibration needs a tokenizer or token ids")
    n = len(all_prompts)
    rng = np.random.default_rng(seed)

    cond = condition(graph, pkg, runner, ids, mask, rng)
    prior_feeds, proj, dec_mask = cond.prior_feeds, cond.proj, cond.decoder_mask
    dec_shapes = _input_shapes(graph["decoder"])
    _, channels, size, _ = dec_shapes["sample"]

    # decoder: a few DDIM steps from noise; ᾱ from the decoder scheduler's config
    abar = alphas_cumprod(json.loads((pkg / "decoder_scheduler" / "scheduler_config.json").read_text(encoding="utf-8")))
    x = rng.standard_normal((n, channels, size, size)).astype(np.float32)
    decoder_feeds: List[Feeds] = []
    x0 = x
    for k, t in enumerate(DECODER_TIMESTEPS):
        step_feeds = [
            {
                "sample": x[s],
                "timestep": np.full(s.stop - s.start, t, np.int64),
                "encoder_hidden_states": proj["encoder_hidden_states"][s],
                "class_labels": proj["additive_clip_time_embeddings"][s],
                "attention_mask": dec_mask[s],
            }
            for s in _chunks(n, rows)
        ]
        decoder_feeds += step_feeds
        eps = np.concatenate([out["noise_pred"][:, :channels] for out in runner.run([(graph["decoder"], f) for f in step_feeds])])
        a = abar[t]
        x0 = np.clip((x - math.sqrt(1 - a) * eps) / math.sqrt(a), -1.0, 1.0).astype(np.float32)
        a_prev = abar[DECODER_TIMESTEPS[k + 1]] if k + 1 < len(DECODER_TIMESTEPS) else 1.0
        x = (math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps).astype(np.float32)
    log(f"calibration: {len(all_prompts) - 1} prompts + \"\" through text_encoder, prior, text_proj; decoder {len(DECODER_TIMESTEPS)} DDIM steps")

    # super-res: the decoder's images upsampled beside noise mixed with them; the prompts' images, not ""
    sr_shapes = _input_shapes(graph["super_res_first"])
    _, sr_channels, sr_size, _ = sr_shapes["sample"]
    if sr_size % size:
        raise CalibrationError(f"super-res size {sr_size} is not a multiple of the decoder's {size}")
    image = x0[:-1].repeat(sr_size // size, axis=2).repeat(sr_size // size, axis=3)
    noise_channels = sr_channels - image.shape[1]
    sr_abar = alphas_cumprod(json.loads((pkg / "super_res_scheduler" / "scheduler_config.json").read_text(encoding="utf-8")))
    feeds: Dict[str, List[Feeds]] = {
        "prior": [{k: v[s] for k, v in prior_feeds.items()} for s in _chunks(n, rows)],
        "decoder": decoder_feeds,
        "super_res_first": [],
        "super_res_last": [],
    }
    # batch 1 at 256²: the probe keeps every Conv activation of a job, so jobs stay small
    picks = range(0, image.shape[0], max(1, image.shape[0] // 4))
    for name, timesteps in (("super_res_first", SUPER_RES_FIRST_TIMESTEPS), ("super_res_last", SUPER_RES_LAST_TIMESTEPS)):
        for t in timesteps:
            for i in picks:
                clean = image[i : i + 1, :noise_channels]
                noisy = math.sqrt(sr_abar[t]) * clean + math.sqrt(1 - sr_abar[t]) * rng.standard_normal(clean.shape)
                sample = np.concatenate([noisy.astype(np.float32), image[i : i + 1]], axis=1)
                feeds[name].append({"sample": sample, "timestep": np.full(1, t, np.int64)})
    return feeds


def drift_report(
    reference: Dict[str, Path], quantized: Dict[str, Path], feeds: Dict[str, List[Feeds]], runner, jobs_per_graph: int = 6
) -> Dict[str, Dict[str, float]]:
    """|quantised − float32| of each graph's first output on (up to ``jobs_per_graph`` of) ``feeds``:
    mean, max, and the float32 output's largest magnitude for scale. ``reference``/``quantized``: graph
    paths per component."""
    report: Dict[str, Dict[str, float]] = {}
    for name, path in quantized.items():
        jobs = feeds.get(name) or []
        if not jobs:
            continue
        step = max(1, len(jobs) // jobs_per_graph)
        picked = jobs[::step][:jobs_per_graph]
        total, count, worst, scale = 0.0, 0, 0.0, 0.0
        for f in picked:  # one job at a time: a 256² super-res output pair is all that is held
            ref, got = runner.run([(reference[name], f), (path, f)])
            key = next(iter(ref))
            diff = np.abs(ref[key].astype(np.float64) - got[key])
            total += float(diff.sum())
            count += diff.size
            worst = max(worst, float(diff.max()))
            scale = max(scale, float(np.abs(ref[key]).max()))
        report[name] = {"mean": total / count, "max": worst, "output_max": scale, "jobs": len(picked)}
    return report


def format_drift(report: Dict[str, Dict[str, float]]) -> List[str]:
    return [
        f"int8 drift {name}: |int8 - float32| mean {r['mean']:.4g}, max {r['max']:.4g} "
        f"(float32 output up to {r['output_max']:.3g}; {int(r['jobs'])} held-out prompt inputs)"
        for name, r in report.items()
    ]
