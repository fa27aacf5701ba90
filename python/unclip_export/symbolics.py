"""ONNX lowering of ``Tensor.repeat_interleave(int, dim)`` that keeps a dynamic batch axis dynamic.

torch's TorchScript exporter lowers ``repeat_interleave`` with an int count either to a Loop over
``SplitToSequence`` pieces or, when its shape inference believes the axis is static, to a fixed
split of the traced size. The second form silently only works for the batch size used at export
time. diffusers uses ``repeat_interleave(heads, dim=0)`` on attention masks (PriorTransformer, and
``Attention.prepare_attention_mask``), exactly on the batch axis. For a constant count the same
result is ``Unsqueeze(dim+1) -> Expand(count) -> Reshape(merge)``, which is shape-generic.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

_OP = "aten::repeat_interleave"


def _const_int(value):
    """The Python int held by a constant graph value, or None."""
    from torch.onnx import symbolic_helper as sh

    if value is None or sh._is_none(value):
        return None
    got = sh._maybe_get_const(value, "i")
    if isinstance(got, torch.Tensor):
        if got.numel() != 1:
            return None
        got = int(got.reshape(-1)[0])
    return got if isinstance(got, int) else None


def _repeat_interleave(g, self, repeats, dim=None, output_size=None):
    from torch.onnx import symbolic_helper as sh
    from torch.onnx import symbolic_opset13

    count = _const_int(repeats)
    axis = _const_int(dim)
    rank = sh._get_tensor_rank(self)
    if count is None or axis is None or rank is None:
        # Tensor-valued repeats or a flattening call: nothing in unCLIP does this; keep torch's lowering.
        return symbolic_opset13.repeat_interleave(g, self, repeats, dim, output_size)
    if axis < 0:
        axis += rank

    def const(values):
        return g.op("Constant", value_t=torch.tensor(values, dtype=torch.int64))

    expanded_shape = [1] * (rank + 1)
    expanded_shape[axis + 1] = count
    expanded = g.op("Expand", g.op("Unsqueeze", self, const([axis + 1])), const(expanded_shape))

    shape = g.op("Shape", self)
    pieces = []
    if axis > 0:
        pieces.append(g.op("Slice", shape, const([0]), const([axis]), const([0])))
    merged = g.op("Mul", g.op("Slice", shape, const([axis]), const([axis + 1]), const([0])), const([count]))
    pieces.append(merged)
    if axis + 1 < rank:
        pieces.append(g.op("Slice", shape, const([axis + 1]), const([rank]), const([0])))
    target = pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis_i=0)
    return g.op("Reshape", expanded, target)


@contextlib.contextmanager
def repeat_interleave_lowering(opset: int) -> Iterator[None]:
    """Use the shape-generic lowering while exporting at ``opset`` (restores torch's afterwards)."""
    from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

    register_custom_op_symbolic(_OP, _repeat_interleave, opset)
    try:
        yield
    finally:
        unregister_custom_op_symbolic(_OP, opset)
