"""Run exported graphs: onnxruntime (Python), the onnx reference evaluator, or onnxruntime-node.

A runner takes a list of jobs ``(model_path, feeds)`` and returns one ``{output_name: array}`` per job;
jobs are batched so that the Node runner starts one process for a whole verification.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

Job = Tuple[Path, Dict[str, np.ndarray]]
BACKENDS = ("auto", "onnxruntime", "reference", "node")
NODE_SCRIPT = Path(__file__).with_name("ort_node_run.mjs")

_NODE_DTYPES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.float64): "float64",
    np.dtype(np.int64): "int64",
    np.dtype(np.int32): "int32",
    np.dtype(np.bool_): "bool",
    np.dtype(np.uint8): "uint8",
    np.dtype(np.float16): "float16",
}
_FROM_NODE = {name: dtype for dtype, name in _NODE_DTYPES.items()}


class RunnerError(RuntimeError):
    pass


class OnnxruntimeRunner:
    name = "onnxruntime"

    def __init__(self):
        importlib.import_module("onnxruntime")  # fail here when missing, not in the middle of a run

        self._sessions: Dict[str, object] = {}

    def run(self, jobs: Sequence[Job]) -> List[Dict[str, np.ndarray]]:
        import onnxruntime as ort

        results = []
        for path, feeds in jobs:
            key = str(path)
            if key not in self._sessions:
                self._sessions[key] = ort.InferenceSession(key, providers=["CPUExecutionProvider"])
            session = self._sessions[key]
            names = [o.name for o in session.get_outputs()]
            values = session.run(names, dict(feeds))
            results.append(dict(zip(names, values)))
        return results


class ReferenceRunner:
    """onnx's pure-numpy evaluator (onnx >= 1.13). Slow, but needs nothing else."""

    name = "onnx reference evaluator"

    def __init__(self):
        importlib.import_module("onnx.reference")  # onnx >= 1.13

        self._evaluators: Dict[str, object] = {}

    def run(self, jobs: Sequence[Job]) -> List[Dict[str, np.ndarray]]:
        import onnx
        from onnx.reference import ReferenceEvaluator

        results = []
        for path, feeds in jobs:
            key = str(path)
            if key not in self._evaluators:
                self._evaluators[key] = ReferenceEvaluator(onnx.load(key))
            evaluator = self._evaluators[key]
            values = evaluator.run(None, dict(feeds))
            results.append(dict(zip(evaluator.output_names, values)))
        return results


def find_node() -> Optional[str]:
    return shutil.which("node") or shutil.which("nodejs")


class NodeRunner:
    """onnxruntime-node through ``ort_node_run.mjs``: one Node process per batch of jobs."""

    name = "onnxruntime-node"

    def __init__(self, node: Optional[str] = None, script: Path = NODE_SCRIPT):
        self.node = node or find_node()
        self.script = Path(script)
        if not self.node:
            raise RunnerError("node is not on PATH")
        probe = subprocess.run(
            [self.node, "-e", "require('onnxruntime-node')"],
            cwd=str(self.script.parent),
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            raise RunnerError(
                "onnxruntime-node cannot be loaded from "
                f"{self.script.parent} (run `npm ci` in the repository): {probe.stderr.strip()[-300:]}"
            )

    def _call(self, jobs: Sequence[Job], work: Path, reduce: Optional[str] = None) -> dict:
        manifest: dict = {"jobs": []}
        if reduce:
            manifest["reduce"] = reduce
        for j, (path, feeds) in enumerate(jobs):
            inputs = []
            for k, (name, array) in enumerate(feeds.items()):
                array = np.ascontiguousarray(array)
                if array.dtype not in _NODE_DTYPES:
                    raise RunnerError(f"input {name!r}: dtype {array.dtype} is not supported")
                file = f"in_{j}_{k}.bin"
                (work / file).write_bytes(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
                inputs.append({"name": name, "dtype": _NODE_DTYPES[array.dtype], "shape": list(array.shape), "file": file})
            manifest["jobs"].append({"model": str(Path(path).resolve()), "inputs": inputs})
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        proc = subprocess.run(
            [self.node, str(self.script), str(work / "manifest.json")],
            cwd=str(self.script.parent),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RunnerError(f"onnxruntime-node failed: {proc.stderr.strip()[-2000:]}")
        return json.loads((work / "results.json").read_text(encoding="utf-8"))

    def run(self, jobs: Sequence[Job]) -> List[Dict[str, np.ndarray]]:
        with tempfile.TemporaryDirectory(prefix="ort-node-") as tmp:
            work = Path(tmp)
            listing = self._call(jobs, work)
            results = []
            for job in listing["jobs"]:
                out = {}
                for spec in job["outputs"]:
                    dtype = _FROM_NODE[spec["dtype"]]
                    data = np.frombuffer((work / spec["file"]).read_bytes(), dtype=dtype.newbyteorder("<"))
                    out[spec["name"]] = data.astype(dtype).reshape(spec["shape"])
                results.append(out)
            return results

    def ranges(self, jobs: Sequence[Job]) -> List[Dict[str, Tuple[float, float]]]:
        """(min, max) of every output per job, reduced in Node: nothing big crosses to Python."""
        with tempfile.TemporaryDirectory(prefix="ort-node-") as tmp:
            listing = self._call(jobs, Path(tmp), reduce="minmax")
            return [{o["name"]: (float(o["min"]), float(o["max"])) for o in job["outputs"]} for job in listing["jobs"]]

    def shapes(self, jobs: Sequence[Job]) -> List[Dict[str, Tuple[int, ...]]]:
        """The shape of every output per job (flops.py: what shape inference could not tell)."""
        with tempfile.TemporaryDirectory(prefix="ort-node-") as tmp:
            listing = self._call(jobs, Path(tmp), reduce="minmax")
            return [{o["name"]: tuple(o["shape"]) for o in job["outputs"]} for job in listing["jobs"]]


def output_ranges(runner, jobs: Sequence[Job]) -> List[Dict[str, Tuple[float, float]]]:
    """(min, max) of every output per job: the runner's own reduction when it has one, else job by job
    (so only one job's outputs are in memory at a time)."""
    if hasattr(runner, "ranges"):
        return runner.ranges(jobs)
    out = []
    for job in jobs:
        [result] = runner.run([job])
        out.append({name: (float(v.min()), float(v.max())) for name, v in result.items()})
    return out


_FACTORIES: Dict[str, Callable[[], object]] = {
    "onnxruntime": OnnxruntimeRunner,
    "reference": ReferenceRunner,
    "node": NodeRunner,
}


def select_runner(backend: str = "auto", log: Callable[[str], None] = print):
    """The requested runner, or for "auto" the first that works: onnxruntime, node, reference."""
    if backend not in BACKENDS:
        raise RunnerError(f"unknown verify backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if backend != "auto":
        try:
            return _FACTORIES[backend]()
        except (ImportError, RunnerError) as exc:
            raise RunnerError(f"verify backend {backend!r} is not available: {exc}") from exc
    reasons = []
    # onnxruntime-node is the consumer's own runtime and far faster than the pure-numpy evaluator.
    for name in ("onnxruntime", "node", "reference"):
        try:
            runner = _FACTORIES[name]()
        except (ImportError, RunnerError) as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if reasons:
            log(f"verify: onnxruntime for Python is not installed; using {runner.name} instead")
        return runner
    raise RunnerError("no ONNX runtime available for verification (" + "; ".join(reasons) + ")")


def node_runner_available() -> bool:
    try:
        NodeRunner()
    except RunnerError:
        return False
    return True


__all__ = [
    "BACKENDS",
    "Job",
    "NodeRunner",
    "OnnxruntimeRunner",
    "ReferenceRunner",
    "RunnerError",
    "node_runner_available",
    "output_ranges",
    "select_runner",
]

