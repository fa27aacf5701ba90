"""Compare every exported graph with the torch module it came from, on random inputs.

Each graph runs at every batch size asked for; graphs with a ``timestep`` input run at three
timesteps per batch size (same other inputs) plus once with a different timestep per row. A graph
with a timestep frozen in at export time, a batch size baked in, or a dropped mask disagrees with
torch on some of these runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch

from . import contract
from .contract import GRAPH_NAMES, MODEL_FILE, GraphSpec
from .wrappers import run_torch, wrap

FP32_TOLERANCE = 1e-3  # absolute; outputs are O(1)
# fp16 graphs are compared with the float32 torch modules: relative to the output's magnitude.
FP16_RELATIVE_TOLERANCE = 5e-2
DEFAULT_BATCHES = (1, 2)
DEFAULT_TIMESTEPS = (999, 500, 0)


class VerificationError(RuntimeError):
    pass


@dataclass
class GraphCheck:
    name: str
    runs: int
    max_abs_diff: float
    allowed: float
    worst: str
    timestep_effect: Optional[float] = None
    warnings: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return math.isfinite(self.max_abs_diff) and self.max_abs_diff <= self.allowed

    def line(self) -> str:
        status = "ok" if self.ok else "FAILED"
        text = (
            f"{self.name:<16} max |onnx - torch| = {self.max_abs_diff:.3e}  (limit {self.allowed:.1e}, "
            f"{self.runs} runs)  {status}"
        )
        if self.timestep_effect is not None:
            text += f"  [timestep changes output by {self.timestep_effect:.3g}]"
        if not self.ok:
            text += f"  worst: {self.worst}"
        return text


@dataclass
class VerifyReport:
    backend: str
    checks: List[GraphCheck]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> List[str]:
        return [c.name for c in self.checks if not c.ok]

    def lines(self) -> List[str]:
        out = [f"verify ({self.backend}):"]
        for check in self.checks:
            out.append("  " + check.line())
            out.extend(f"    warning: {w}" for w in check.warnings)
        return out


def _cases(spec: GraphSpec, batches: Sequence[int], timesteps: Sequence[int]):
    """(batch, per-row timesteps or None, label) for every run."""
    cases = []
    for batch in batches:
        if spec.has_timestep:
            for t in timesteps:
                cases.append((batch, [t] * batch, f"batch {batch}, t={t}"))
        else:
            cases.append((batch, None, f"batch {batch}"))
    if spec.has_timestep and len(timesteps) > 1:
        batch = max(max(batches), 2)
        mixed = [timesteps[i % len(timesteps)] for i in range(batch)]
        cases.append((batch, mixed, f"batch {batch}, t={mixed}"))
    return cases


def check_graph(
    name: str,
    wrapper: torch.nn.Module,
    spec: GraphSpec,
    model_path: Path,
    runner,
    *,
    batches: Sequence[int] = DEFAULT_BATCHES,
    timesteps: Sequence[int] = DEFAULT_TIMESTEPS,
    tolerance: float = FP32_TOLERANCE,
    relative: bool = False,
    seed: int = 1234,
) -> GraphCheck:
    """Run ``model_path`` and ``wrapper`` on the same random inputs and measure the largest difference.

    ``relative``: the limit for each output is ``tolerance * max(1, max|torch output|)``.
    """
    rng = np.random.default_rng(seed)
    base: Dict[int, Dict[str, np.ndarray]] = {}
    feeds_list, labels, references = [], [], []
    for batch, steps, label in _cases(spec, batches, timesteps):
        if batch not in base:
            base[batch] = contract.make_inputs(spec, batch, rng)
        feeds = dict(base[batch])
        if steps is not None:
            feeds["timestep"] = np.asarray(steps, dtype=np.int64)
        feeds_list.append(feeds)
        labels.append(label)
        references.append(run_torch(wrapper, feeds, spec.input_names))
    outputs = runner.run([(model_path, feeds) for feeds in feeds_list])

    worst_ratio, worst_diff, worst_allowed, worst = -1.0, 0.0, tolerance, ""
    for label, reference, got in zip(labels, references, outputs):
        for tensor, ref in zip(spec.outputs, reference):
            if tensor.name not in got:
                return GraphCheck(name, len(labels), math.inf, tolerance, f"output {tensor.name!r} missing ({label})")
            value = np.asarray(got[tensor.name], dtype=np.float64)
            if value.shape != ref.shape:
                return GraphCheck(
                    name, len(labels), math.inf, tolerance,
                    f"{tensor.name} has shape {value.shape}, torch {ref.shape} ({label})",
                )
            diff = np.abs(value - ref.astype(np.float64))
            diff = float(np.max(np.where(np.isnan(diff), np.inf, diff))) if diff.size else 0.0
            allowed = tolerance * max(1.0, float(np.max(np.abs(ref)))) if relative else tolerance
            ratio = diff / allowed if allowed > 0 else math.inf
            if ratio > worst_ratio:
                worst_ratio, worst_diff, worst_allowed, worst = ratio, diff, allowed, f"{tensor.name} ({label})"

    check = GraphCheck(name, len(labels), worst_diff, worst_allowed, worst)
    if spec.has_timestep:
        # How much the timestep alone moves the graph's output (same other inputs): a frozen timestep
        # would make this zero while torch's output moves.
        effects = []
        by_label = dict(zip(labels, outputs))
        for batch in batches:
            first = by_label.get(f"batch {batch}, t={timesteps[0]}")
            last = by_label.get(f"batch {batch}, t={timesteps[-1]}")
            if first and last:
                key = spec.output_names[0]
                effects.append(float(np.max(np.abs(first[key] - last[key]))))
        if effects:
            check.timestep_effect = min(effects)
            if check.timestep_effect <= check.allowed:
                check.warnings.append("the output does not depend on the timestep")
    return check


def verify_package(
    package_dir: Path,
    components,
    runner,
    *,
    graphs: Sequence[str] = GRAPH_NAMES,
    fp16: bool = False,
    keep_float32: Collection[str] = (),
    tolerance: Optional[float] = None,
    batches: Sequence[int] = DEFAULT_BATCHES,
    timesteps: Sequence[int] = DEFAULT_TIMESTEPS,
    log: Callable[[str], None] = print,
) -> VerifyReport:
    """``fp16``: the graphs not in ``keep_float32`` are fp16 (relative tolerance); kept ones are checked
    as float32 ones (absolute)."""
    specs: Mapping[str, GraphSpec] = contract.build_graph_specs(components)
    checks = []
    for name in graphs:
        half = fp16 and name not in keep_float32
        limit = tolerance if tolerance is not None else (FP16_RELATIVE_TOLERANCE if half else FP32_TOLERANCE)
        check = check_graph(
            name,
            wrap(name, getattr(components, name)),
            specs[name],
            Path(package_dir) / name / MODEL_FILE,
            runner,
            batches=batches,
            timesteps=timesteps,
            tolerance=limit,
            relative=half,
        )
        log("  " + check.line())
        checks.append(check)
    return VerifyReport(runner.name, checks)
