"""The repeat_interleave lowering keeps the batch axis dynamic."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch

import standins
from unclip_export.symbolics import repeat_interleave_lowering


class Repeat(torch.nn.Module):
    def __init__(self, count, dim):
        super().__init__()
        self.count, self.dim = count, dim

    def forward(self, x):
        return x.repeat_interleave(self.count, dim=self.dim) * 2.0


class MaskedAttention(torch.nn.Module):
    """diffusers' added-KV attention mask path: pad to the key length, repeat over heads on dim 0."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.attn = standins.Attention(16, 4, 4, added_kv_dim=8)

    def forward(self, hidden, context, mask):
        additive = ((1 - mask.to(hidden.dtype)) * -10000.0).unsqueeze(1)
        return self.attn(hidden, context, additive)


def _export(module, args, names, path, lowering):
    dynamic = {n: {0: "batch"} for n in names + ["y"]}
    export = lambda: torch.onnx.export(  # noqa: E731
        module, args, str(path), input_names=names, output_names=["y"], dynamic_axes=dynamic, opset_version=17
    )
    if lowering:
        with repeat_interleave_lowering(17):
            export()
    else:
        export()
    return Counter(n.op_type for n in onnx.load(str(path)).graph.node)


def _inputs(batch, rng):
    return (
        rng.standard_normal((batch, 9, 16)).astype(np.float32),
        rng.standard_normal((batch, 5, 8)).astype(np.float32),
        np.arange(5)[None, :] < rng.integers(1, 6, size=(batch, 1)),
    )


@pytest.mark.parametrize("count,dim,shape", [(3, 0, (2, 4, 5)), (2, 1, (2, 4, 5)), (4, -1, (2, 3)), (5, 0, (2,))])
def test_repeat_interleave_any_batch(tmp_path, runner, count, dim, shape):
    module = Repeat(count, dim).eval()
    path = tmp_path / "r.onnx"
    ops = _export(module, (torch.randn(*shape),), ["x"], path, lowering=True)
    assert "Loop" not in ops and "SplitToSequence" not in ops
    rng = np.random.default_rng(0)
    feeds = [{"x": rng.standard_normal((b,) + shape[1:]).astype(np.float32)} for b in (1, 2, 3)]
    for got, feed in zip(runner.run([(path, f) for f in feeds]), feeds):
        expected = module(torch.from_numpy(feed["x"])).numpy()
        np.testing.assert_array_equal(got["y"], expected)


def test_masked_attention_any_batch(tmp_path, runner):
    module = MaskedAttention().eval()
    rng = np.random.default_rng(1)
    trace = tuple(torch.from_numpy(a) for a in _inputs(2, rng))
    path = tmp_path / "attn.onnx"
    _export(module, trace, ["hidden", "context", "mask"], path, lowering=True)
    cases = [_inputs(b, rng) for b in (1, 2, 3)]
    results = runner.run([(path, dict(zip(["hidden", "context", "mask"], c))) for c in cases])
    for got, case in zip(results, cases):
        with torch.no_grad():
            expected = module(*(torch.from_numpy(a) for a in case)).numpy()
        np.testing.assert_allclose(got["y"], expected, rtol=0, atol=1e-5)


@pytest.mark.skipif(not torch.__version__.startswith("1."), reason="documents torch 1.x's own lowering")
def test_torch_1_default_lowering_is_batch_specific(tmp_path, runner):
    """Why the lowering exists: without it, torch 1.13's export of this mask path breaks."""
    module = MaskedAttention().eval()
    rng = np.random.default_rng(1)
    trace = tuple(torch.from_numpy(a) for a in _inputs(2, rng))
    path = tmp_path / "attn-default.onnx"
    ops = _export(module, trace, ["hidden", "context", "mask"], path, lowering=False)
    assert "Loop" in ops
    broken = 0
    for batch in (1, 2, 3):
        case = _inputs(batch, rng)
        try:
            (got,) = runner.run([(path, dict(zip(["hidden", "context", "mask"], case)))])
        except Exception:
            broken += 1
            continue
        with torch.no_grad():
            expected = module(*(torch.from_numpy(a) for a in case)).numpy()
        broken += not np.allclose(got["y"], expected, atol=1e-4)
    assert broken > 0


def test_lowering_is_unregistered_afterwards():
    from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

    with repeat_interleave_lowering(17):
        pass
    # Registering again must work (and the context leaves nothing behind to collide with).
    register_custom_op_symbolic("aten::repeat_interleave", lambda g, *a: None, 17)
    unregister_custom_op_symbolic("aten::repeat_interleave", 17)
