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


@pytest.mark.parametrize("name", contract.GRAPH_NAMES)
def test_contract_unchanged(fp16_package, components, name):
    model = onnx.load(str(fp16_package.out_dir / name / "model.onnx"))
    check_signature(model, contract.build_graph_specs(components)[name])
    weights = [i for i in model.graph.initializer if i.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16)]
    half = sum(int(np.prod(i.dims)) for i in weights if i.data_type == TensorProto.FLOAT16)
    total = sum(int(np.prod(i.dims)) for i in weights)
    assert half / total > 0.9, f"only {half}/{total} weights are fp16"
    assert fp16_package.graphs[name].fp16 is not None


def test_layout_and_sidecars_unchanged(fp16_package, package):
    assert fp16_package.files == package.files
    for rel in ("prior/clip_mean.npy", "prior/clip_std.npy", "text_proj/learned_classifier_free_guidance_embeddings.npy"):
        assert (fp16_package.out_dir / rel).read_bytes() == (package.out_dir / rel).read_bytes()


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
    converted, report = convert_to_fp16(model)
    init_types = {i.name: i.data_type for i in converted.graph.initializer}
    assert init_types == {"w": FLOAT16, "scales": TensorProto.FLOAT}
    onnx.save(converted, str(tmp_path / "half.onnx"))
    onnx.save(reference, str(tmp_path / "full.onnx"))
    feeds = {"x": np.random.default_rng(1).standard_normal((3, 2, 4, 4)).astype(np.float32)}
    half, full = runner.run([(tmp_path / "half.onnx", feeds), (tmp_path / "full.onnx", feeds)])
    assert half["y"].dtype == np.float32
    np.testing.assert_allclose(half["y"], full["y"], rtol=0, atol=1e-2)
