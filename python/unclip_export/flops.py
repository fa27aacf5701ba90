"""Multiply-add work of one call of a graph, for achieved GFLOP/s in ``npm run bench`` (issue #22).

``python3 -m unclip_export.flops MODEL.onnx [--batch B]`` prints one JSON line:
``{"flops": …, "counted": n, "unshaped": [names]}``. FLOPs = 2 × multiply-adds of Conv, ConvTranspose,
MatMul and Gemm (everything else — normalisation, softmax, element-wise ops — is small beside them and
not counted), with shapes from onnx's shape inference after the batch axis is fixed to ``B``.
Shapes inference cannot fix (torch's reshapes of computed sizes) are measured by running the graph once
in onnxruntime-node with those tensors as extra outputs (``--run``, on by default when Node is there);
nodes still without shapes are listed in ``unshaped`` (their work is not counted), so the figure is a
lower bound that says how complete it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx
from onnx import shape_inference


def _fix_batch(model: onnx.ModelProto, batch: int) -> None:
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].dim_value:
            dims[0].Clear()
            dims[0].dim_value = batch


def _shapes(model: onnx.ModelProto) -> Dict[str, Tuple[int, ...]]:
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    out: Dict[str, Tuple[int, ...]] = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and all(d.dim_value > 0 for d in dims):
            out[value.name] = tuple(d.dim_value for d in dims)
    for init in model.graph.initializer:
        out[init.name] = tuple(init.dims)
    return out


COUNTED = ("Conv", "ConvTranspose", "MatMul", "Gemm")


def _measured_shapes(model: onnx.ModelProto, names: Sequence[str], batch: int, runner) -> Dict[str, Tuple[int, ...]]:
    """Shapes of ``names`` from one run of the graph (batch ``batch``, t = 500, N(0, 1), masks true)."""
    import tempfile

    from .quantize_int8 import _graph_feeds, _save

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    have = {o.name for o in probe.graph.output}
    probe.graph.output.extend(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None) for t in names if t not in have)
    feeds = _graph_feeds(model, 500, np.random.default_rng(0))
    feeds = {k: np.repeat(v, batch, axis=0) if v.ndim else v for k, v in feeds.items()}
    with tempfile.TemporaryDirectory(prefix="flops-") as tmp:
        path = Path(tmp) / "probe.onnx"
        _save(probe, path)
        [shapes] = runner.shapes([(path, feeds)])
    return shapes


def count_flops(model: onnx.ModelProto, batch: int = 1, runner=None) -> Tuple[int, int, List[str]]:
    """(flops, nodes counted, nodes whose shapes are unknown) for one call at ``batch``. ``runner``: a
    NodeRunner to measure the shapes inference leaves open."""
    model_copy = onnx.ModelProto()
    model_copy.CopyFrom(model)
    _fix_batch(model_copy, batch)
    shapes = _shapes(model_copy)
    if runner is not None:
        missing = [t for n in model_copy.graph.node if n.op_type in COUNTED for t in (n.input[0], n.input[1], n.output[0]) if t not in shapes]
        if missing:
            shapes.update(_measured_shapes(model, list(dict.fromkeys(missing)), batch, runner))
    flops, counted, unshaped = 0, 0, []
    for node in model_copy.graph.node:
        if node.op_type not in COUNTED:
            continue
        a = shapes.get(node.input[0])
        b = shapes.get(node.input[1])
        y = shapes.get(node.output[0])
        if a is None or b is None or y is None:
            unshaped.append(node.name or node.output[0])
            continue
        attrs = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
        if node.op_type == "Conv":
            # every output element: Cin/group × kh × kw multiply-adds
            macs = int(np.prod(y)) * int(np.prod(b[1:]))
        elif node.op_type == "ConvTranspose":
            macs = int(np.prod(a)) * int(np.prod(b[1:]))
        elif node.op_type == "Gemm":
            k = a[0] if attrs.get("transA", 0) else a[-1]
            macs = int(np.prod(y)) * k
        else:  # MatMul, batched: every output element is a K-long dot product
            macs = int(np.prod(y)) * a[-1]
        flops += 2 * macs
        counted += 1
    return flops, counted, unshaped


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m unclip_export.flops", description=__doc__.split("\n")[0])
    p.add_argument("model", type=Path)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--no-run", action="store_true", help="shape inference only (no onnxruntime-node run)")
    a = p.parse_args(argv)
    if not a.model.is_file():
        print(f"flops: {a.model}: not found", file=sys.stderr)
        return 2
    runner = None
    if not a.no_run:
        from .runners import NodeRunner, RunnerError

        try:
            runner = NodeRunner()
        except RunnerError as exc:
            print(f"flops: shapes from inference only ({exc})", file=sys.stderr)
    flops, counted, unshaped = count_flops(onnx.load(str(a.model)), a.batch, runner)
    print(json.dumps({"flops": flops, "counted": counted, "unshaped": unshaped}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
