"""quantize_int8: dynamic int8 rewrite of MatMul/Gemm/Conv with constant weights (issue #22 experiment)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from unclip_export.quantize_int8 import _quantize_weight, main, quantize_model



def _feeds():
    """Inputs for tiny_unet_like: fixed, whichever tests ran before."""
    rng = np.random.default_rng(23)
    return {"x": rng.standard_normal((1, 4, 8, 8)).astype(np.float32), "t": rng.standard_normal((1, 4)).astype(np.float32)}


def _init(rng, name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.2).astype(np.float32), name)


def tiny_unet_like() -> onnx.ModelProto:
    """First conv (kept by name), a resnet conv, normalisation, attention (q projection, scores, softmax),
    a timestep Gemm (kept by name) and an output Gemm with bias — the parts the rewrite must tell apart.
    The same weights on every call (its own generator), whichever tests ran before."""
    rng = np.random.default_rng(22)
    nodes = [
        helper.make_node("Conv", ["x", "w_in", "b_in"], ["h0"], name="/m/conv_in/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["h0", "w_c1", "b_c1"], ["h1"], name="/m/block/conv1/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("InstanceNormalization", ["h1", "n_s", "n_b"], ["h2"], name="/m/block/norm/InstanceNormalization"),
        helper.make_node("Reshape", ["h2", "shape"], ["h3"], name="/m/attn/Reshape"),
        helper.make_node("Transpose", ["h3"], ["tokens"], name="/m/attn/Transpose", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["tokens", "w_q"], ["q"], name="/m/attn/to_q/MatMul"),
        helper.make_node("Transpose", ["q"], ["qt"], name="/m/attn/Transpose_1", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "qt"], ["scores"], name="/m/attn/MatMul"),
        helper.make_node("Softmax", ["scores"], ["attn"], name="/m/attn/Softmax", axis=-1),
        helper.make_node("Gemm", ["t", "w_t", "b_t"], ["temb"], name="/m/time_embedding/linear_1/Gemm", transB=1),
        helper.make_node("Gemm", ["temb", "w_o", "b_o"], ["y_gemm"], name="/m/proj/Gemm", transB=1),
    ]
    inits = [
        _init(rng, "w_in", 8, 4, 3, 3),
        _init(rng, "b_in", 8),
        _init(rng, "w_c1", 8, 8, 3, 3),
        _init(rng, "b_c1", 8),
        numpy_helper.from_array(np.ones(8, np.float32), "n_s"),
        numpy_helper.from_array(np.zeros(8, np.float32), "n_b"),
        numpy_helper.from_array(np.array([1, 8, 64], np.int64), "shape"),
        _init(rng, "w_q", 8, 16),
        _init(rng, "w_t", 32, 4),
        _init(rng, "b_t", 32),
        _init(rng, "w_o", 16, 32),
        _init(rng, "b_o", 16),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8]),
            helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("h1", TensorProto.FLOAT, [1, 8, 8, 8]),
            helper.make_tensor_value_info("q", TensorProto.FLOAT, [1, 64, 16]),
            helper.make_tensor_value_info("attn", TensorProto.FLOAT, [1, 64, 64]),
            helper.make_tensor_value_info("y_gemm", TensorProto.FLOAT, [1, 16]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _ops(model):
    return Counter(n.op_type for n in model.graph.node)


def test_rewrite_checks_and_leaves_sensitive_parts_alone():
    model = tiny_unet_like()
    report = quantize_model(model)
    onnx.checker.check_model(model)
    names = {n.name: n.op_type for n in model.graph.node}
    # first layer and timestep embedding kept by name; scores (activation × activation) not eligible
    assert names["/m/conv_in/Conv"] == "Conv" and names["/m/time_embedding/linear_1/Gemm"] == "Gemm"
    assert names["/m/attn/MatMul"] == "MatMul"
    assert set(report.kept) == {"/m/conv_in/Conv", "/m/time_embedding/linear_1/Gemm"}
    assert report.skipped == ["/m/attn/MatMul"]
    assert sorted(report.quantized) == ["/m/attn/to_q/MatMul", "/m/block/conv1/Conv", "/m/proj/Gemm"]
    ops = _ops(model)
    assert ops["ConvInteger"] == 1 and ops["MatMulInteger"] == 2 and ops["Conv"] == 1 and ops["Gemm"] == 1
    assert ops["Softmax"] == 1 and ops["InstanceNormalization"] == 1
    # the float weights of rewritten nodes are gone; the int8 ones are int8
    inits = {i.name: i for i in model.graph.initializer}
    assert not {"w_c1", "w_q", "w_o"} & set(inits)
    assert {"w_in", "w_t"} <= set(inits)
    assert inits["/m/attn/to_q/MatMul__int8/W"].data_type == TensorProto.INT8
    # graph inputs/outputs (the package contract) unchanged
    assert [o.name for o in model.graph.output] == ["h1", "q", "attn", "y_gemm"]


def test_no_conv_and_custom_keep():
    model = tiny_unet_like()
    report = quantize_model(model, keep=(r"to_q",), conv=False)
    assert sorted(report.quantized) == ["/m/proj/Gemm", "/m/time_embedding/linear_1/Gemm"]
    assert _ops(model)["ConvInteger"] == 0 and _ops(model)["Conv"] == 2


def test_weight_quantisation_is_per_channel_and_within_half_a_step():
    w = np.stack([np.linspace(-1, 1, 50), np.linspace(-0.01, 0.01, 50)], axis=1).astype(np.float32)  # [K, N]
    for weight_type in ("int8", "uint8"):
        q, scale, zp = _quantize_weight(w, 1, weight_type)
        assert scale.shape == (1, 2) and scale[0, 0] > 50 * scale[0, 1]  # each column its own scale
        back = (q.astype(np.float32) - zp.astype(np.float32)) * scale
        assert np.all(np.abs(back - w) <= scale / 2 + 1e-7)


def test_outputs_close_to_float32(runner, tmp_path):
    if runner.name == "onnx reference evaluator":
        pytest.skip("the check is about onnxruntime's integer kernels")
    model = tiny_unet_like()
    onnx.save(model, str(tmp_path / "fp32.onnx"))
    quantize_model(model)
    onnx.save(model, str(tmp_path / "int8.onnx"))
    feeds = _feeds()
    ref, got = runner.run([(tmp_path / "fp32.onnx", feeds), (tmp_path / "int8.onnx", feeds)])
    for name in ("h1", "q", "y_gemm", "attn"):
        scale = float(np.max(np.abs(ref[name])))
        err = float(np.max(np.abs(ref[name] - got[name])))
        # 8-bit activations and weights: a few quantisation steps of the output range at most
        assert err <= 0.05 * scale, f"{name}: max error {err:.4g} vs range {scale:.4g}"
        assert err > 0 or name == "attn", f"{name}: identical output, was it quantised at all?"


def test_package_cli(tmp_path, capsys):
    src = tmp_path / "pkg"
    (src / "decoder").mkdir(parents=True)
    (src / "model_index.json").write_text("{}", encoding="utf-8")
    onnx.save(tiny_unet_like(), str(src / "decoder" / "model.onnx"))
    out = tmp_path / "out"
    assert main([str(src), str(out), "--components", "decoder"]) == 0
    assert (out / "model_index.json").is_file()
    assert _ops(onnx.load(str(out / "decoder" / "model.onnx")))["MatMulInteger"] == 2
    note = json.loads((out / "int8_quantization.json").read_text(encoding="utf-8"))
    assert note["decoder"]["quantized"] == 3
    assert (out / "decoder" / "model.onnx").stat().st_size < (src / "decoder" / "model.onnx").stat().st_size
    # refuses a non-empty output directory and a missing component, with the path in the message
    assert main([str(src), str(out), "--components", "decoder"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([str(src), str(tmp_path / "out2"), "--components", "prior"]) == 2
    assert "prior" in capsys.readouterr().err


def test_static_conv_qdq_calibrated_and_close(runner, tmp_path):
    if runner.name == "onnx reference evaluator":
        pytest.skip("calibration and the check run the graphs in onnxruntime")
    from unclip_export.quantize_int8 import calibrate_conv_ranges, quantize_conv_static

    model = tiny_unet_like()
    onnx.save(model, str(tmp_path / "fp32.onnx"))
    # eight random draws (the timestep value is unused by this graph): ranges that cover a fresh draw
    ranges = calibrate_conv_ranges(model, runner=runner, timesteps=tuple(range(8)))
    # only the eligible Conv (conv_in is kept by name): its input and output
    assert set(ranges) == {"h0", "h1"} and all(lo <= hi for lo, hi in ranges.values())
    report = quantize_conv_static(model, ranges)
    onnx.checker.check_model(model)
    assert report.quantized == ["/m/block/conv1/Conv"] and report.kept == ["/m/conv_in/Conv"]
    ops = _ops(model)
    # x and y Q→DQ pairs, plus weight and bias DequantizeLinear: the QDQ form onnxruntime fuses to QLinearConv
    assert ops["QuantizeLinear"] == 2 and ops["DequantizeLinear"] == 4 and ops["Conv"] == 2
    onnx.save(model, str(tmp_path / "qdq.onnx"))
    feeds = _feeds()
    ref, got = runner.run([(tmp_path / "fp32.onnx", feeds), (tmp_path / "qdq.onnx", feeds)])
    for name in ("h1", "q", "attn", "y_gemm"):
        scale = float(np.max(np.abs(ref[name])))
        err = float(np.max(np.abs(ref[name] - got[name])))
        assert err <= 0.1 * scale, f"{name}: max error {err:.4g} vs range {scale:.4g}"


def test_token_ids_errors(tmp_path, capsys):
    src = tmp_path / "pkg"
    (src / "decoder").mkdir(parents=True)
    (src / "model_index.json").write_text("{}", encoding="utf-8")
    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps({"prompts": ["a"], "input_ids": [[1, 2]], "attention_mask": [[1, 1]]}), encoding="utf-8")
    # prompt calibration is for the static Conv form
    assert main([str(src), str(tmp_path / "o1"), "--token-ids", str(ids)]) == 2
    assert "--token-ids calibrates static Conv: use it with --static-conv" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"prompts": ["a"]}), encoding="utf-8")
    assert main([str(src), str(tmp_path / "o2"), "--static-conv", "--token-ids", str(bad)]) == 2
    assert f"{bad}: expected prompts, input_ids and attention_mask" in capsys.readouterr().err
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
