"""quantize_matmul_qdq: static QDQ projections (and, on request, attention MatMuls) with calibrated ranges."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto

from test_quantize_int8 import _feeds, _ops, tiny_unet_like
from unclip_export.quantize_int8 import calibrate_ranges, quantize_file
from unclip_export.quantize_matmul_qdq import calibration_tensors, matmul_targets, quantize_matmul_static


def test_targets_tell_projections_from_attention_and_respect_keep():
    model = tiny_unet_like()
    assert matmul_targets(model, keep=()) == {"/m/attn/to_q/MatMul": "linear", "/m/attn/MatMul": "attention"}
    assert matmul_targets(model, keep=(r"to_q",)) == {"/m/attn/MatMul": "attention"}
    assert matmul_targets(model, keep=(), attention=False) == {"/m/attn/to_q/MatMul": "linear"}
    # a projection needs its input's range; the scores both operands' ranges
    assert calibration_tensors(model, matmul_targets(model, keep=())) == ["tokens", "q", "qt"]


def test_missing_range_is_named():
    model = tiny_unet_like()
    with pytest.raises(ValueError, match="no calibrated range for 'tokens'"):
        quantize_matmul_static(model, {}, {"/m/attn/to_q/MatMul": "linear"})


def test_static_projection_and_attention_close_to_float32(runner, tmp_path):
    if runner.name == "onnx reference evaluator":
        pytest.skip("calibration and the check run the graphs in onnxruntime")
    model = tiny_unet_like()
    onnx.save(model, str(tmp_path / "fp32.onnx"))
    targets = matmul_targets(model, keep=())
    ranges = calibrate_ranges(model, calibration_tensors(model, targets), runner=runner, timesteps=tuple(range(8)))
    report = quantize_matmul_static(model, ranges, targets)
    onnx.checker.check_model(model)
    assert sorted(report.quantized) == ["/m/attn/MatMul", "/m/attn/to_q/MatMul"]
    ops = _ops(model)
    # tokens (u8), q (u8, left of the scores) and qᵀ (s8, right) each one Q→DQ; the weight one DQ
    assert ops["QuantizeLinear"] == 3 and ops["DequantizeLinear"] == 4 and ops["MatMul"] == 2
    inits = {i.name: i for i in model.graph.initializer}
    assert "w_q" not in inits and inits["/m/attn/to_q/MatMul__qdq/W"].data_type == TensorProto.INT8
    assert inits["/m/attn/MatMul__qdq/b/zero_point"].data_type == TensorProto.INT8  # u8 × s8
    assert [o.name for o in model.graph.output] == ["h1", "q", "attn", "y_gemm"]
    onnx.save(model, str(tmp_path / "qdq.onnx"))
    feeds = _feeds()
    ref, got = runner.run([(tmp_path / "fp32.onnx", feeds), (tmp_path / "qdq.onnx", feeds)])
    for name in ("q", "attn"):
        scale = float(np.max(np.abs(ref[name])))
        err = float(np.max(np.abs(ref[name] - got[name])))
        assert 0 < err <= 0.1 * scale, f"{name}: max error {err:.4g} vs range {scale:.4g}"


def test_quantize_file_static_matmul_needs_static_conv(tmp_path):
    onnx.save(tiny_unet_like(), str(tmp_path / "m.onnx"))
    with pytest.raises(ValueError, match="use it with static Conv"):
        quantize_file(tmp_path / "m.onnx", tmp_path / "o.onnx", static_matmul=True)


def test_quantize_file_static_conv_and_projections(runner, tmp_path):
    if runner.name == "onnx reference evaluator":
        pytest.skip("calibration runs the graph in onnxruntime")
    onnx.save(tiny_unet_like(), str(tmp_path / "m.onnx"))
    report = quantize_file(tmp_path / "m.onnx", tmp_path / "o.onnx", static_conv=True, static_matmul=True, runner=runner)
    # the projection and the resnet conv static; conv_in and the timestep Gemm kept; /m/proj/Gemm (a Gemm,
    # not a MatMul) stays float32 in this form; the scores stay float32 without attention=True
    assert sorted(report.quantized) == ["/m/attn/to_q/MatMul", "/m/block/conv1/Conv"]
    ops = _ops(onnx.load(str(tmp_path / "o.onnx")))
    assert ops["DynamicQuantizeLinear"] == 0 and ops["MatMulInteger"] == 0 and ops["Conv"] == 2


def test_cli_experiment_flags_need_prompt_calibration(tmp_path, capsys):
    from unclip_export.quantize_int8 import main

    src = tmp_path / "pkg"
    (src / "decoder").mkdir(parents=True)
    (src / "model_index.json").write_text("{}", encoding="utf-8")
    assert main([str(src), str(tmp_path / "o1"), "--static-conv", "--static-matmul"]) == 2
    assert "use them with --static-conv --token-ids" in capsys.readouterr().err
    ids = tmp_path / "ids.json"
    ids.write_text('{"prompts": [], "input_ids": [[1]], "attention_mask": [[1]]}', encoding="utf-8")
    assert main([str(src), str(tmp_path / "o2"), "--static-conv", "--token-ids", str(ids), "--attention"]) == 2
    assert "use it with --static-matmul" in capsys.readouterr().err
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
