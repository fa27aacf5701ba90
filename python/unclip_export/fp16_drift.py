"""Where an ``--fp16`` export drifts from float32: per stage, per graph, and inside the worst graph.

``python3 -m unclip_export.fp16_drift FLOAT32_PKG FP16_PKG [--json] [--locate] [--sensitivity]`` (from
``python/``) samples the same prompts with the same noise through both packages and reports, per stage:

* **graph error**: the fp16 graph fed the float32 pipeline's exact inputs, its outputs against the float32
  graph's (|fp16 − fp32| mean and max, and the float32 output's largest magnitude for scale): what the
  graph itself adds;
* **accumulated drift**: the fp16 pipeline's own outputs at that stage (each stage fed the fp16 pipeline's
  previous outputs) against the float32 pipeline's: what reaches the stage plus what it adds;
* the **end-to-end** drift of the final image in [0, 1] (mean and max).

``--isolate`` samples once per stage with only that stage's graph in fp16. ``--sensitivity`` runs the
float32 pipeline again with the text encoder's outputs moved by 1e-4, 1e-5 and 1e-6·N(0, 1) (less than
fp16's rounding of them) and reports how far the image moves: when that is already large, the pipeline
itself amplifies any difference (the random-weight test components do) and no fp16 graph can bring the
end-to-end drift below it. ``--locate [STAGE]`` (default: the largest graph error relative to its
output) converts that stage's float32 graph again with each fp16 op type, then each region (node-name
prefix), kept in float32 in turn and reports the graph error of each variant: what removes the error
is what is responsible. ``--keep OP…`` converts the whole float32 package with the default keep list
plus those op types into a scratch package and reports that instead of FP16_PKG; ``--keep-float32 LIST``
does the same with those components left float32 (fp16_package.py). ``--budget MAX`` (implies
``--isolate``) recommends which stages to keep float32 for an end-to-end image max of MAX and checks
that set end to end (``recommend``): what the exporter's ``--fp16-keep-float32`` takes.

The sampler is calibrate.py's (the same conditioning code: text encoder, one prior step at t = 999,
text_proj), with classifier-free guidance at the app's default decoder scale: each prompt runs as a
pair with ``""`` on the same latents, a few DDIM steps in the decoder (``DECODER_TIMESTEPS``), the
decoder image upsampled (nearest) beside noise through ``super_res_first`` at t = 999 and 500 and
``super_res_last`` at t = 0. Without ``--token-ids`` the token ids are random (seeded): the test
components have no tokenizer this Python can load, and the report measures precision, not what the prompts say.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import onnx

from .calibrate import (
    DECODER_TIMESTEPS,
    CalibrationError,
    SUPER_RES_FIRST_TIMESTEPS,
    SUPER_RES_LAST_TIMESTEPS,
    _input_shapes,
    alphas_cumprod,
    condition,
)
from .fp16 import KEEP_FP32_OPS, infer_elem_types
from .fp16_package import Fp16PackageError, convert_graph, convert_package, parse_keep_float32

Feeds = Dict[str, np.ndarray]
STAGES = ("text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last")
DECODER_GUIDANCE = 8.0  # the app's default decoder guidance scale (Karlo's)
PERTURBATIONS = (1e-4, 1e-5, 1e-6)
DEFAULT_PROMPTS = 2  # prompt rows (each beside "") when the token ids are random


class DriftError(RuntimeError):
    pass


@dataclass
class Call:
    stage: str
    feeds: Feeds
    outputs: Feeds


@dataclass
class Trace:
    calls: List[Call] = field(default_factory=list)
    image: Optional[np.ndarray] = None  # [N, C, H, W] in [0, 1]


class RecordingRunner:
    """Wraps a runner; remembers every call's stage, feeds and outputs (the pipeline runs one job at a time)."""

    def __init__(self, runner, graphs: Dict[str, Path], trace: Trace):
        self.runner = runner
        self.stage_of = {str(Path(p)): name for name, p in graphs.items()}
        self.trace = trace
        self.name = getattr(runner, "name", "runner")

    def run(self, jobs):
        results = self.runner.run(jobs)
        for (path, feeds), out in zip(jobs, results):
            self.trace.calls.append(Call(self.stage_of.get(str(Path(path)), str(path)), dict(feeds), out))
        return results


def package_graphs(pkg: Path) -> Dict[str, Path]:
    graphs = {name: Path(pkg) / name / "model.onnx" for name in STAGES}
    for path in graphs.values():
        if not path.is_file():
            raise DriftError(f"{path}: missing; the drift report samples the whole pipeline")
    return graphs


def random_token_ids(pkg: Path, prompts: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded random ids for ``prompts`` rows plus an empty ``""``-like last row (first token only)."""
    graphs = package_graphs(pkg)
    seq_len = _input_shapes(graphs["text_encoder"])["input_ids"][1]
    config = json.loads((Path(pkg) / "text_encoder" / "config.json").read_text(encoding="utf-8"))
    vocab = int(config.get("vocab_size", 1000))
    rng = np.random.default_rng(seed + 1)
    ids = rng.integers(0, vocab, size=(prompts + 1, seq_len), dtype=np.int64)
    lengths = list(rng.integers(2, seq_len + 1, size=prompts)) + [2]
    mask = np.arange(seq_len)[None, :] < np.array(lengths)[:, None]
    ids[~mask] = 0
    return ids, mask


def sample(
    pkg: Path,
    runner,
    ids: np.ndarray,
    mask: np.ndarray,
    seed: int = 0,
    guidance: float = DECODER_GUIDANCE,
    perturb: float = 0.0,
    graphs: Optional[Dict[str, Path]] = None,
) -> Trace:
    """Text → image through ``pkg``'s graphs (or ``graphs``), every graph call recorded. Row ``-1`` of
    ``ids`` is ``""``. ``perturb`` adds perturb·N(0, 1) to the text encoder's outputs (a separate
    generator, so the sampling noise stays the same)."""
    pkg = Path(pkg)
    graphs = graphs or package_graphs(pkg)
    trace = Trace()
    rec = RecordingRunner(runner, graphs, trace)
    rng = np.random.default_rng(seed)
    if perturb:
        rec = _Perturbing(rec, graphs["text_encoder"], perturb, seed)
    cond = condition(graphs, pkg, rec, ids, mask, rng)
    n = ids.shape[0] - 1  # prompt rows; the last is ""
    _, channels, size, _ = _input_shapes(graphs["decoder"])["sample"]
    abar = alphas_cumprod(json.loads((pkg / "decoder_scheduler" / "scheduler_config.json").read_text(encoding="utf-8")))
    x = rng.standard_normal((n, channels, size, size)).astype(np.float32)
    x0 = x
    for k, t in enumerate(DECODER_TIMESTEPS):
        eps = np.empty_like(x)
        for i in range(n):  # a CFG pair: "" and prompt i on the same latents
            rows = [n, i]
            [out] = rec.run(
                [
                    (
                        graphs["decoder"],
                        {
                            "sample": np.stack([x[i], x[i]]),
                            "timestep": np.full(2, t, np.int64),
                            "encoder_hidden_states": cond.proj["encoder_hidden_states"][rows],
                            "class_labels": cond.proj["additive_clip_time_embeddings"][rows],
                            "attention_mask": cond.decoder_mask[rows],
                        },
                    )
                ]
            )
            uncond, cond_eps = out["noise_pred"][:, :channels]
            eps[i] = uncond + guidance * (cond_eps - uncond)
        a = abar[t]
        x0 = np.clip((x - math.sqrt(1 - a) * eps) / math.sqrt(a), -1.0, 1.0).astype(np.float32)
        a_prev = abar[DECODER_TIMESTEPS[k + 1]] if k + 1 < len(DECODER_TIMESTEPS) else 1.0
        x = (math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps).astype(np.float32)

    _, sr_channels, sr_size, _ = _input_shapes(graphs["super_res_first"])["sample"]
    if sr_size % size:
        raise DriftError(f"super-res size {sr_size} is not a multiple of the decoder's {size}")
    image = x0.repeat(sr_size // size, axis=2).repeat(sr_size // size, axis=3)
    noise_channels = sr_channels - image.shape[1]
    sr_abar = alphas_cumprod(json.loads((pkg / "super_res_scheduler" / "scheduler_config.json").read_text(encoding="utf-8")))
    steps = [("super_res_first", t) for t in SUPER_RES_FIRST_TIMESTEPS] + [("super_res_last", t) for t in SUPER_RES_LAST_TIMESTEPS]
    x = rng.standard_normal((n, noise_channels, sr_size, sr_size)).astype(np.float32)
    for k, (name, t) in enumerate(steps):
        [out] = rec.run([(graphs[name], {"sample": np.concatenate([x, image], axis=1), "timestep": np.full(n, t, np.int64)})])
        eps = out["noise_pred"][:, :noise_channels]
        a = sr_abar[t]
        x0 = np.clip((x - math.sqrt(1 - a) * eps) / math.sqrt(a), -1.0, 1.0).astype(np.float32)
        a_prev = sr_abar[steps[k + 1][1]] if k + 1 < len(steps) else 1.0
        x = (math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps).astype(np.float32)
    trace.image = ((x0 + 1.0) / 2.0).clip(0.0, 1.0)
    return trace


class _Perturbing:
    """Adds perturb·N(0, 1) to the text encoder's float outputs, after they were recorded as computed."""

    def __init__(self, runner, text_encoder: Path, perturb: float, seed: int):
        self.runner, self.path, self.perturb = runner, str(Path(text_encoder)), perturb
        self.rng = np.random.default_rng(seed + 12345)

    def run(self, jobs):
        results = self.runner.run(jobs)
        for (path, _), out in zip(jobs, results):
            if str(Path(path)) == self.path:
                for key, value in out.items():
                    if value.dtype == np.float32:
                        out[key] = (value + self.perturb * self.rng.standard_normal(value.shape)).astype(np.float32)
        return results


class _Diff:
    def __init__(self):
        self.total, self.count, self.max, self.scale = 0.0, 0, 0.0, 0.0

    def add(self, ref: Feeds, got: Feeds) -> None:
        for key, r in ref.items():
            if r.dtype != np.float32:
                continue
            d = np.abs(r.astype(np.float64) - got[key])
            self.total += float(d.sum())
            self.count += d.size
            self.max = max(self.max, float(d.max()))
            self.scale = max(self.scale, float(np.abs(r).max()))

    def row(self) -> Dict[str, float]:
        return {"mean": self.total / max(self.count, 1), "max": self.max, "output_max": self.scale}


def graph_errors(reference: Trace, fp16_graphs: Dict[str, Path], runner) -> Dict[str, Dict[str, float]]:
    """Each fp16 graph fed the float32 pipeline's exact inputs, against the float32 outputs."""
    got = runner.run([(fp16_graphs[c.stage], c.feeds) for c in reference.calls])
    diffs: Dict[str, _Diff] = {}
    for call, out in zip(reference.calls, got):
        diffs.setdefault(call.stage, _Diff()).add(call.outputs, out)
    return {stage: diffs[stage].row() for stage in STAGES if stage in diffs}


def accumulated(reference: Trace, other: Trace) -> Dict[str, Dict[str, object]]:
    """Per stage: the other pipeline's outputs against the reference's, and the max per call (sampling step)."""
    if [c.stage for c in reference.calls] != [c.stage for c in other.calls]:
        raise DriftError("the two pipelines called different graphs")
    diffs: Dict[str, _Diff] = {}
    per_call: Dict[str, List[float]] = {}
    for a, b in zip(reference.calls, other.calls):
        one = _Diff()
        one.add(a.outputs, b.outputs)
        per_call.setdefault(a.stage, []).append(one.max)
        diffs.setdefault(a.stage, _Diff()).add(a.outputs, b.outputs)
    return {stage: {**diffs[stage].row(), "per_call_max": per_call[stage]} for stage in STAGES if stage in diffs}


def image_drift(a: np.ndarray, b: np.ndarray) -> Dict[str, float]:
    d = np.abs(a.astype(np.float64) - b)
    return {"mean": float(d.mean()), "max": float(d.max()), "pixels_over_0.05": float((d > 0.05).mean())}


def fp16_op_types(path: Path, keep_op_types: Iterable[str] = KEEP_FP32_OPS) -> List[str]:
    """Op types with float data that the conversion puts in fp16 (candidates for the keep list)."""
    model = onnx.load(str(path))
    types = infer_elem_types(model)
    keep = set(keep_op_types) | {"Constant", "ConstantOfShape", "Cast"}
    found = set()
    for node in model.graph.node:
        if node.op_type in keep:
            continue
        if any(types.get(v) == onnx.TensorProto.FLOAT for v in list(node.input) + list(node.output) if v):
            found.add(node.op_type)
    return sorted(found)


def regions(path: Path, depth: int = 2) -> List[str]:
    """Node-name prefixes (torch's module paths: ``/m/down0``, ``/m/mid`` …) of the graph's nodes."""
    found = []
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        parts = node.name.split("/")
        if len(parts) > depth + 1:  # "/m/down0/…" → "", "m", "down0", …
            prefix = "/".join(parts[: depth + 1])
            if prefix not in found:
                found.append(prefix)
    return found


def locate(
    f32_pkg: Path, reference: Trace, stage: str, runner, keep_op_types: Iterable[str] = KEEP_FP32_OPS, work: Optional[Path] = None
) -> List[Dict[str, object]]:
    """The graph error of ``stage`` with each fp16 op type, then each region (node-name prefix), kept in float32
    in turn (smallest remaining error first)."""
    base = set(keep_op_types)
    src = Path(f32_pkg) / stage / "model.onnx"
    calls = [c for c in reference.calls if c.stage == stage]
    with tempfile.TemporaryDirectory(prefix="fp16-locate-", dir=str(work) if work else None) as tmp:
        variants: List[Tuple[str, Path]] = [("(defaults)", Path(tmp) / "base.onnx")]
        convert_graph(src, variants[0][1], base)
        for op in fp16_op_types(src, base):
            variants.append((op, Path(tmp) / f"{op}.onnx"))
            convert_graph(src, variants[-1][1], base | {op})
        for k, prefix in enumerate(regions(src)):
            variants.append((f"{prefix}/*", Path(tmp) / f"region{k}.onnx"))
            convert_graph(src, variants[-1][1], base, keep_names=["^" + re.escape(prefix) + "/"])
        got = runner.run([(path, c.feeds) for _, path in variants for c in calls])
    rows = []
    for k, (op, _) in enumerate(variants):
        diff = _Diff()
        for j, call in enumerate(calls):
            diff.add(call.outputs, got[k * len(calls) + j])
        rows.append({"keep_also": op, **diff.row()})
    return rows[:1] + sorted(rows[1:], key=lambda r: r["max"])


def recorded_precision(pkg: Path, stage: str) -> Optional[str]:
    """The ``precision`` a package's ``<stage>/config.json`` records (None: not recorded, i.e. float32
    unless the package predates the record)."""
    path = Path(pkg) / stage / "config.json"
    return json.loads(path.read_text(encoding="utf-8")).get("precision") if path.is_file() else None


def recommend(
    isolated: Dict[str, Dict[str, float]], budget: float, end_to_end: Callable[[Sequence[str]], Dict[str, float]]
) -> Dict[str, object]:
    """The stages to keep float32 for an end-to-end image max within ``budget``: every stage whose
    isolated drift (``isolated[stage]["max"]``, only that stage in fp16) exceeds it, then, while the
    pipeline with those kept (``end_to_end(keep)``, the image drift) still exceeds it, the stage with the
    next-largest isolated drift too: isolated drifts need not add up. Every set tried is reported."""
    if not budget > 0:
        raise DriftError(f"the budget must be positive, got {budget}")
    keep = [s for s in isolated if isolated[s]["max"] > budget]
    tried = []
    while True:
        image = end_to_end(list(keep))
        tried.append({"keep_float32": list(keep), "image": image})
        rest = [s for s in isolated if s not in keep]
        if image["max"] <= budget or not rest:
            break
        keep.append(max(rest, key=lambda s: isolated[s]["max"]))
    ordered = [s for s in isolated if s in keep]
    return {"budget": budget, "keep_float32": ordered, "image": image, "within_budget": image["max"] <= budget, "tried": tried}


def report(
    f32_pkg: Path,
    fp16_pkg: Path,
    runner,
    token_ids: Optional[Tuple[np.ndarray, np.ndarray]] = None,
    seed: int = 0,
    sensitivity: bool = False,
    locate_stage: Optional[str] = None,
    isolate: bool = False,
    guidance: float = DECODER_GUIDANCE,
    budget: Optional[float] = None,
) -> Dict[str, object]:
    """``budget`` (image max in [0, 1]; implies ``isolate``): also which stages to keep float32 for it
    (``recommend``)."""
    f32_pkg, fp16_pkg = Path(f32_pkg), Path(fp16_pkg)
    isolate = isolate or budget is not None
    ids, mask = token_ids if token_ids is not None else random_token_ids(f32_pkg, DEFAULT_PROMPTS, seed)
    reference = sample(f32_pkg, runner, ids, mask, seed, guidance)
    half = sample(fp16_pkg, runner, ids, mask, seed, guidance)
    own = graph_errors(reference, package_graphs(fp16_pkg), runner)
    acc = accumulated(reference, half)
    result: Dict[str, object] = {
        "stages": {s: {"graph": own[s], "accumulated": acc[s], "calls": sum(c.stage == s for c in reference.calls)} for s in own},
        "image": image_drift(reference.image, half.image),
        "image_shape": list(reference.image.shape),
        "decoder_guidance": guidance,
        "seed": seed,
    }
    if isolate:
        # only this stage's graph fp16, every other float32: how much of the image drift it causes alone
        f32_graphs, half_graphs = package_graphs(f32_pkg), package_graphs(fp16_pkg)
        for stage in own:
            mixed = sample(f32_pkg, runner, ids, mask, seed, guidance, graphs={**f32_graphs, stage: half_graphs[stage]})
            result["stages"][stage]["alone_image"] = image_drift(reference.image, mixed.image)
    if budget is not None:
        isolated = {stage: row["alone_image"] for stage, row in result["stages"].items()}

        def end_to_end(keep: Sequence[str]) -> Dict[str, float]:
            if not keep:
                return result["image"]  # the all-fp16 pipeline, sampled above
            graphs = {**half_graphs, **{s: f32_graphs[s] for s in keep}}  # budget implies isolate: both known
            return image_drift(reference.image, sample(f32_pkg, runner, ids, mask, seed, guidance, graphs=graphs).image)

        result["recommendation"] = recommend(isolated, budget, end_to_end)
        # stages FP16_PKG already has float32 (its precision record): part of the list the exporter needs
        result["recommendation"]["already_float32"] = [s for s in STAGES if recorded_precision(fp16_pkg, s) == "float32"]
    if sensitivity:
        result["float32_sensitivity"] = [
            {"perturbation": eps, **image_drift(reference.image, sample(f32_pkg, runner, ids, mask, seed, guidance, perturb=eps).image)}
            for eps in PERTURBATIONS
        ]
    if locate_stage:
        # "worst": the largest graph error relative to the output's magnitude
        stage = locate_stage if locate_stage != "worst" else max(own, key=lambda s: own[s]["max"] / max(own[s]["output_max"], 1.0))
        result["locate"] = {"stage": stage, "variants": locate(f32_pkg, reference, stage, runner)}
    return result


def format_report(r: Dict[str, object]) -> List[str]:
    lines = ["stage             graph error mean / max        accumulated mean / max      (float32 output up to)"]
    for stage, row in r["stages"].items():
        g, a = row["graph"], row["accumulated"]
        lines.append(
            f"{stage:<17} {g['mean']:.3g} / {g['max']:.3g}".ljust(48)
            + f"{a['mean']:.3g} / {a['max']:.3g}".ljust(28)
            + f"({g['output_max']:.3g}; {row['calls']} calls)"
        )
    for stage, row in r["stages"].items():
        steps = row["accumulated"]["per_call_max"]
        if len(steps) > 1:
            lines.append(f"{stage} accumulated max per call: " + ", ".join(f"{m:.3g}" for m in steps))
    im = r["image"]
    lines.append(
        f"end-to-end image [0, 1]: mean {im['mean']:.3g}, max {im['max']:.3g}, "
        f"{100 * im['pixels_over_0.05']:.2f} % of values off by > 0.05"
    )
    for stage, row in r["stages"].items():
        if "alone_image" in row:
            im = row["alone_image"]
            lines.append(f"only {stage} in fp16: image mean {im['mean']:.3g}, max {im['max']:.3g}")
    for s in r.get("float32_sensitivity", []):
        lines.append(
            f"float32 alone, text encoder outputs moved by {s['perturbation']:g}·N(0,1): image mean {s['mean']:.3g}, max {s['max']:.3g}, "
            f"{100 * s['pixels_over_0.05']:.2f} % off by > 0.05"
        )
    if "recommendation" in r:
        rec = r["recommendation"]
        already = rec.get("already_float32", [])

        def listed(stages: Sequence[str]) -> str:
            return ",".join(s for s in STAGES if s in set(stages) | set(already)) or "none"

        for step in rec["tried"]:
            im = step["image"]
            lines.append(f"float32: {listed(step['keep_float32'])} (the other stages fp16): image mean {im['mean']:.3g}, max {im['max']:.3g}")
        verdict = "within" if rec["within_budget"] else "NOT within (every sampled stage is kept)"
        lines.append(
            f"keep float32 for an image max of {rec['budget']:g}: {listed(rec['keep_float32'])} ({verdict}; "
            f"image_encoder is not sampled here) → --fp16-keep-float32 {listed(rec['keep_float32'])}"
        )
    if "locate" in r:
        loc = r["locate"]
        lines.append(f"{loc['stage']}: graph error with one more op type or region kept float32 (max, mean):")
        for v in loc["variants"]:
            lines.append(f"  {v['keep_also']:<26} {v['max']:.3g}  {v['mean']:.3g}")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    from .runners import RunnerError, select_runner

    parser = argparse.ArgumentParser(prog="python3 -m unclip_export.fp16_drift", description=__doc__.split("\n\n")[0])
    parser.add_argument("float32_package", type=Path)
    parser.add_argument(
        "fp16_package", type=Path, nargs="?", help="omit with --keep or --keep-float32 (a scratch conversion is measured)"
    )
    parser.add_argument(
        "--keep", nargs="*", default=None, metavar="OP", help="convert FLOAT32_PKG with the default keep list plus these op types"
    )
    parser.add_argument(
        "--keep-float32",
        metavar="LIST",
        help="convert FLOAT32_PKG with these components (comma-separated) left float32 (default with --keep: none)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        metavar="MAX",
        help="also (implies --isolate): which stages to keep float32 for an end-to-end image max of MAX, checked end to end",
    )
    parser.add_argument("--token-ids", type=Path, help="JSON with input_ids and attention_mask (last row \"\"); default random ids")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--guidance", type=float, default=DECODER_GUIDANCE, help=f"decoder guidance scale (default {DECODER_GUIDANCE:g})")
    parser.add_argument(
        "--sensitivity",
        action="store_true",
        help="also: the float32 pipeline's own image change when its text embeddings move by 1e-4, 1e-5, 1e-6",
    )
    parser.add_argument(
        "--locate",
        nargs="?",
        const="worst",
        choices=("worst",) + STAGES,
        help="also: per op type, a stage's graph error with that type kept float32 (default: the worst graph)",
    )
    parser.add_argument("--isolate", action="store_true", help="also: the image drift with only one stage's graph in fp16, per stage")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scratch = args.keep is not None or args.keep_float32 is not None
    if (args.fp16_package is None) != scratch:
        parser.error("give FP16_PKG, or --keep [OP ...] / --keep-float32 LIST to measure a scratch conversion (not both)")
    if args.budget is not None and not args.budget > 0:
        parser.error(f"--budget must be positive, got {args.budget}")
    keep_float32: Tuple[str, ...] = ()
    if args.keep_float32 is not None:
        try:
            keep_float32 = parse_keep_float32(args.keep_float32)
        except Fp16PackageError as exc:
            parser.error(f"--keep-float32: {exc}")
    token_ids = None
    if args.token_ids:
        data = json.loads(args.token_ids.read_text(encoding="utf-8"))
        token_ids = (np.asarray(data["input_ids"], np.int64), np.asarray(data["attention_mask"]).astype(bool))
    try:
        runner = select_runner(args.backend, log=lambda m: print(m, file=sys.stderr))
        with tempfile.TemporaryDirectory(prefix="fp16-drift-") as tmp:
            fp16_pkg = args.fp16_package
            if scratch:
                fp16_pkg = Path(tmp) / "pkg"
                convert_package(args.float32_package, fp16_pkg, keep_float32, KEEP_FP32_OPS | set(args.keep or ()))
            r = report(
                args.float32_package,
                fp16_pkg,
                runner,
                token_ids,
                args.seed,
                args.sensitivity,
                args.locate,
                args.isolate,
                args.guidance,
                args.budget,
            )
    except (DriftError, RunnerError, CalibrationError, Fp16PackageError) as exc:
        print(f"fp16_drift: {exc}", file=sys.stderr)
        return 2
    if args.keep is not None:
        r["keep_also"] = sorted(args.keep)
    if scratch:
        r["keep_float32"] = list(keep_float32)
    print(json.dumps(r) if args.json else "\n".join(format_report(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
