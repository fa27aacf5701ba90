"""Tiny graphs for measuring the machine's own matrix-multiply rate in onnxruntime (scripts/bench-int8.ts).

``python3 -m unclip_export.matmul_bench OUT_DIR [--n 2048]`` writes:

* ``matmul_fp32.onnx``: ``Y = X · W``, X float32 ``[n, n]`` input, W a float32 constant — the float32 ceiling.
* ``matmul_int8.onnx``: ``Y = MatMulInteger(X, W)``, X uint8 input, W an int8 constant, int32 out — the
  raw int8 kernel rate (VNNI/AMX where the CPU has them), no (de)quantisation around it.
* ``matmul_dynamic_int8.onnx``: ``matmul_fp32.onnx`` through :func:`quantize_int8.quantize_model` —
  float32 in and out, the activation quantised on every call, as a quantised UNet layer does it.

Weights are constants so onnxruntime pre-packs them, as it does for a model's weights.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .quantize_int8 import quantize_model


def _model(nodes, inputs, outputs, inits) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "matmul_bench", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_graphs(out_dir: Path, n: int = 2048) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((n, n), dtype=np.float32) / np.sqrt(n)
    fp32 = _model(
        [helper.make_node("MatMul", ["X", "W"], ["Y"], name="/mm/MatMul")],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n, n])],
        [numpy_helper.from_array(w, "W")],
    )
    onnx.save(fp32, str(out_dir / "matmul_fp32.onnx"))
    wq = rng.integers(-127, 128, size=(n, n), dtype=np.int8)
    int8 = _model(
        [helper.make_node("MatMulInteger", ["X", "W"], ["Y"], name="/mm/MatMulInteger")],
        [helper.make_tensor_value_info("X", TensorProto.UINT8, [n, n])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [n, n])],
        [numpy_helper.from_array(wq, "W")],
    )
    onnx.save(int8, str(out_dir / "matmul_int8.onnx"))
    quantize_model(fp32, keep=())
    onnx.checker.check_model(fp32)
    onnx.save(fp32, str(out_dir / "matmul_dynamic_int8.onnx"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m unclip_export.matmul_bench")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--n", type=int, default=2048)
    a = p.parse_args(argv)
    write_graphs(a.out_dir, a.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
