"""flops.py: the Conv/MatMul/Gemm work of one call, the figure behind npm run bench's achieved GFLOP/s."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

from test_quantize_int8 import tiny_unet_like
from unclip_export.flops import count_flops


def _expected(batch: int) -> int:
    # conv_in 4→8 and conv1 8→8 (3×3, 8×8 output); to_q [64, 8]·[8, 16]; scores [64, 16]·[16, 64];
    # time Gemm [1, 4]→32 and proj Gemm 32→16 (their input t has batch 1 whatever `batch` is)
    return 2 * (batch * (8 * 64 * 4 * 9 + 8 * 64 * 8 * 9 + 64 * 16 * 8 + 64 * 64 * 16) + 32 * 4 + 16 * 32)


def test_counts_every_conv_matmul_and_gemm():
    flops, counted, unshaped = count_flops(tiny_unet_like(), batch=1)
    assert (flops, counted, unshaped) == (_expected(1), 6, [])


def test_shapes_the_inference_cannot_fix_are_measured(runner):
    if not hasattr(runner, "shapes"):
        pytest.skip("measuring shapes needs onnxruntime-node")
    model = tiny_unet_like()
    # a reshape whose target is computed (Div is not propagated by shape inference, as in torch's
    # GroupNorm reshapes): the attention's q projection after it has no inferred shape
    for node in model.graph.node:
        if node.op_type == "Reshape":
            node.input[1] = "computed_shape"
    model.graph.initializer.append(numpy_helper.from_array(np.array([2, 2, 2], np.int64), "two"))
    model.graph.node.insert(0, helper.make_node("Mul", ["shape", "two"], ["shape_x2"]))
    model.graph.node.insert(1, helper.make_node("Div", ["shape_x2", "two"], ["computed_shape"]))
    flops, _, unshaped = count_flops(model, batch=1)
    assert unshaped == ["/m/attn/to_q/MatMul"] and flops < _expected(1)
    assert count_flops(model, batch=1, runner=runner) == (_expected(1), 6, [])
