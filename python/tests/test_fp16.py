"""--fp16: half-precision weights and compute, float32 contract, numerically sensitive parts in float32."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from unclip_export import contract
from unclip_export.fp16 import FLOAT16, convert_to_fp16, infer_elem_types
from unclip_export.onnx_io import check_signature
from unclip_export.verify import check_graph
from unclip_export.wrappers import wrap


def _weights(model):
    weights = [i for i in model.graph.initializer if i.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16)]
    half = sum(int(np.prod(i.dims)) for i in weights if i.data_type == TensorProto.FLOAT16)
    return half, sum(int(np.prod(i.dims)) for i in weights)


# Share of each graph's weights in fp16. The UNets are where fp16 saves memory and they stay almost
# all fp16. The first and last layers stay float32 (fp16.input_layer / output_layer): in the stand-ins'
# tiny prior they are a fifth of the weights, and text_proj consists of nothing else (every one of its
# Linear layers reads a graph input and writes a graph output). Embedding tables (Gather) stay float32:
# in the stand-in CLIP towers they are most of the weights (1000 tokens, 1025 positions of width 32);
# in CLIP ViT-L/14 the token table is a third of the text tower and the positions 0.1 % of the vision one.
MIN_FP16_SHARE = {
    "decoder": 0.9,
    "super_res_first": 0.9,
    "super_res_last": 0.9,
    "prior": 0.7,
    "text_encoder": 0.2,
    "image_encoder": 0.1,
    "text_proj": 0.0,
}


@pytest.mark.parametrize("name", contract.GRAPH_NAMES)
def test_contract_unchanged(fp16_package, components, name):
    model = onnx.load(str(fp16_package.out_dir / name / "model.onnx"))
    check_signature(model, contract.build_graph_specs(components)[name])
    half, total = _weights(model)
    assert half / total >= MIN_FP16_SHARE[name], f"only {half}/{total} weights are fp16"
    assert fp16_package.graphs[name].fp16 is not None


@pytest.mark.parametrize("name", ["prior", "decoder", "super_res_first"])
def test_timestep_embedding_stays_fp32(fp16_package, name):
    model = onnx.load(str(fp16_package.out_dir / name / "model.onnx"))
    types = infer_elem_types(model)
    trig = [n for n in model.graph.node if n.op_type in ("Sin", "Cos")]
    assert trig
    for node in trig:
        assert types[node.input[0]] == TensorProto.FLOAT
    report = fp16_package.graphs[name].fp16
    assert any("preamble" in reason for reason in report.kept_nodes)


def test_normalisations_stay_fp32(fp16_package):
    report = fp16_package.graphs["decoder"].fp16
    assert report.kept_nodes["InstanceNormalization"] > 0  # GroupNorm
    assert fp16_package.graphs["prior"].fp16.kept_nodes["LayerNormalization"] > 0
    assert "kept in fp32" in report.summary()


@pytest.mark.parametrize("name", contract.GRAPH_NAMES)
def test_agrees_loosely_with_torch(fp16_package, components, runner, name):
    spec = contract.build_graph_specs(components)[name]
    check = check_graph(
        name,
        wrap(name, getattr(components, name)),
        spec,
        fp16_package.out_dir / name / "model.onnx",
        runner,
        batches=(1, 2),
        timesteps=(999, 0),
        tolerance=1e-2,
        relative=True,
    )
    assert check.ok, check.line()
    if spec.has_timestep:
        assert check.timestep_effect > 1e-3


def test_large_constants_are_clamped_not_infinite(fp16_package, components, runner):
    # The CLIP causal mask is filled with finfo(float32).min; in fp16 that must become -65504, not -inf.
    spec = contract.build_graph_specs(components)["text_encoder"]
    feeds = contract.make_inputs(spec, 2, np.random.default_rng(0))
    (out,) = runner.run([(fp16_package.out_dir / "text_encoder" / "model.onnx", feeds)])
    assert all(np.isfinite(v).all() for v in out.values())
    model = onnx.load(str(fp16_package.out_dir / "text_encoder" / "model.onnx"))
    for tensor in list(model.graph.initializer) + [
        a.t for n in model.graph.node for a in n.attribute if a.type == onnx.AttributeProto.TENSOR
    ]:
        if tensor.data_type == FLOAT16:
            assert np.isfinite(numpy_helper.to_array(tensor)).all(), tensor.name


def test_resize_scales_stay_fp32(runner, tmp_path):
    """Resize's scales input must stay float32 although the data is fp16."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2, 8, 8])
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((2, 2, 1, 1)).astype(np.float32), "w")
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"]),
        helper.make_node("Resize", ["c", "", "scales"], ["y"], mode="nearest"),
    ]
    model = helper.make_model(
        helper.make_graph(nodes, "g", [x], [y], [w, scales]), opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    reference = onnx.ModelProto.FromString(model.SerializeToString())
    # the Conv is this graph's input and output layer, which stay float32 by default
    converted, report = convert_to_fp16(model, keep_input_layer=False, keep_output_layer=False)
    init_types = {i.name: i.data_type for i in converted.graph.initializer}
    assert init_types == {"w": FLOAT16, "scales": TensorProto.FLOAT}
    onnx.save(converted, str(tmp_path / "half.onnx"))
    onnx.save(reference, str(tmp_path / "full.onnx"))
    feeds = {"x": np.random.default_rng(1).standard_normal((3, 2, 4, 4)).astype(np.float32)}
    half, full = runner.run([(tmp_path / "half.onnx", feeds), (tmp_path / "full.onnx", feeds)])
    assert half["y"].dtype == np.float32
    np.testing.assert_allclose(half["y"], full["y"], rtol=0, atol=1e-2)


def _chain_model():
    """x → Conv(w1) → Reshape → InstanceNormalization → Reshape → Conv(w2) → Conv(w3) → y."""
    rng = np.random.default_rng(0)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4, 4, 4])
    inits = [numpy_helper.from_array(rng.standard_normal((4, 4, 1, 1)).astype(np.float32), f"w{k}") for k in (1, 2, 3)]
    inits += [
        numpy_helper.from_array(np.array([0, 2, -1], np.int64), "groups"),
        numpy_helper.from_array(np.array([0, 4, 4, 4], np.int64), "back"),
        numpy_helper.from_array(np.ones(2, np.float32), "ones"),
        numpy_helper.from_array(np.zeros(2, np.float32), "zeros"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="/m/conv_in/Conv"),
        helper.make_node("Reshape", ["c1", "groups"], ["r1"], name="/m/norm/Reshape"),
        helper.make_node("InstanceNormalization", ["r1", "ones", "zeros"], ["n"], name="/m/norm/InstanceNormalization"),
        helper.make_node("Reshape", ["n", "back"], ["r2"], name="/m/norm/Reshape_1"),
        helper.make_node("Conv", ["r2", "w2"], ["c2"], name="/m/mid/Conv"),
        helper.make_node("Conv", ["c2", "w3"], ["y"], name="/m/conv_out/Conv"),
    ]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], inits), opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _weight_types(model):
    return {i.name: i.data_type for i in model.graph.initializer if i.name.startswith("w")}


def test_first_last_layers_and_norm_reshapes_stay_fp32():
    converted, report = convert_to_fp16(_chain_model())
    assert _weight_types(converted) == {"w1": TensorProto.FLOAT, "w2": FLOAT16, "w3": TensorProto.FLOAT}
    types = infer_elem_types(converted)
    by_name = {n.name: n for n in converted.graph.node}
    for name in ("/m/norm/Reshape", "/m/norm/Reshape_1"):  # GroupNorm's reshapes stay with the norm
        assert types[by_name[name].output[0]] == TensorProto.FLOAT
    assert report.kept_nodes["input layer (up to the first weighted op)"] == 1
    assert report.kept_nodes["output layer (last weighted op and after)"] == 1
    assert report.kept_nodes["Reshape beside a float32 op"] == 2


def test_rules_can_be_turned_off_and_regions_kept_by_name():
    converted, _ = convert_to_fp16(_chain_model(), keep_input_layer=False, keep_output_layer=False, keep_norm_layout=False)
    assert set(_weight_types(converted).values()) == {FLOAT16}
    types = infer_elem_types(converted)
    assert types[next(n for n in converted.graph.node if n.name == "/m/norm/Reshape").output[0]] == FLOAT16
    converted, report = convert_to_fp16(_chain_model(), keep_names=[r"^/m/mid/"])
    assert _weight_types(converted)["w2"] == TensorProto.FLOAT
    assert report.kept_nodes["kept by name"] == 1
