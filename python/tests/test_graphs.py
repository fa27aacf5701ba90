"""Every exported graph: signature (names, dtypes, dynamic batch axis) and numerics against torch."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest

from components import TINY_PACKAGE
from unclip_export import contract
from unclip_export.onnx_io import check_signature, load_signature
from unclip_export.verify import check_graph
from unclip_export.wrappers import wrap

GRAPHS = contract.GRAPH_NAMES
EXPECTED_NAMES = {
    "text_encoder": (["input_ids"], ["text_embeds", "last_hidden_state"]),
    "prior": (
        ["hidden_states", "timestep", "proj_embedding", "encoder_hidden_states", "attention_mask"],
        ["predicted_image_embedding"],
    ),
    "text_proj": (
        ["image_embeddings", "prompt_embeds", "text_encoder_hidden_states"],
        ["encoder_hidden_states", "additive_clip_time_embeddings"],
    ),
    "decoder": (
        ["sample", "timestep", "encoder_hidden_states", "class_labels", "attention_mask"],
        ["noise_pred"],
    ),
    "super_res_first": (["sample", "timestep"], ["noise_pred"]),
    "super_res_last": (["sample", "timestep"], ["noise_pred"]),
    "image_encoder": (["pixel_values"], ["image_embeds", "last_hidden_state"]),
}
INT64_INPUTS = {"input_ids", "timestep"}
BOOL_INPUTS = {"attention_mask"}


def _io(model: onnx.ModelProto):
    """[(name, elem_type, dims)] for inputs and outputs; dims are ints or dim_param strings."""

    def describe(vi):
        tt = vi.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in tt.shape.dim]
        return vi.name, tt.elem_type, dims

    initializers = {i.name for i in model.graph.initializer}
    return (
        [describe(vi) for vi in model.graph.input if vi.name not in initializers],
        [describe(vi) for vi in model.graph.output],
    )


@pytest.mark.parametrize("name", GRAPHS)
def test_signature(package, components, name):
    model = load_signature(package.out_dir / name / "model.onnx")
    inputs, outputs = _io(model)
    assert [i[0] for i in inputs] == EXPECTED_NAMES[name][0]
    assert [o[0] for o in outputs] == EXPECTED_NAMES[name][1]
    for tensor_name, elem_type, _ in inputs:
        if tensor_name in INT64_INPUTS:
            assert elem_type == onnx.TensorProto.INT64, tensor_name
        elif tensor_name in BOOL_INPUTS:
            assert elem_type == onnx.TensorProto.BOOL, tensor_name
        else:
            assert elem_type == onnx.TensorProto.FLOAT, tensor_name
    for tensor_name, elem_type, _ in outputs:
        assert elem_type == onnx.TensorProto.FLOAT, tensor_name
    for tensor_name, _, dims in inputs + outputs:
        assert dims[0] == "batch", tensor_name
        assert all(isinstance(d, int) and d > 0 for d in dims[1:]), (tensor_name, dims)
    check_signature(model, contract.build_graph_specs(components)[name])
    assert model.opset_import[0].version == contract.DEFAULT_OPSET


@pytest.mark.parametrize("name", GRAPHS)
def test_signature_identical_to_unclip_tiny(fixture_like_package, name):
    ours = _io(load_signature(fixture_like_package.out_dir / name / "model.onnx"))
    theirs = _io(load_signature(TINY_PACKAGE / name / "model.onnx"))
    assert ours == theirs


@pytest.mark.parametrize("name", GRAPHS)
def test_no_control_flow(package, name):
    ops = Counter(n.op_type for n in load_signature(package.out_dir / name / "model.onnx").graph.node)
    assert not {"Loop", "If", "Scan", "SplitToSequence"} & set(ops), ops


@pytest.mark.parametrize("name", GRAPHS)
def test_matches_torch_at_several_batch_sizes_and_timesteps(package, components, runner, name):
    spec = contract.build_graph_specs(components)[name]
    check = check_graph(
        name,
        wrap(name, getattr(components, name)),
        spec,
        package.out_dir / name / "model.onnx",
        runner,
        batches=(1, 2, 3),
        timesteps=(999, 500, 0),
        tolerance=1e-4,
    )
    assert check.ok, check.line()
    if spec.has_timestep:
        # 3 batch sizes x 3 timesteps + one batch with a different timestep per row.
        assert check.runs == 10
        # The timestep is a real input: changing it alone changes the ONNX output.
        assert check.timestep_effect > 1e-3, check.line()


@pytest.mark.parametrize("name", ["prior", "decoder"])
def test_mask_is_an_input(package, components, runner, name):
    spec = contract.build_graph_specs(components)[name]
    feeds = contract.make_inputs(spec, 2, np.random.default_rng(5), timestep=[500, 500])
    other = dict(feeds)
    mask = feeds["attention_mask"].copy()
    extra = spec.inputs[-1].extra
    mask[:, extra:] = False
    mask[:, extra] = True  # only the first real token (BOS) is visible
    other["attention_mask"] = mask
    path = package.out_dir / name / "model.onnx"
    a, b = runner.run([(path, feeds), (path, other)])
    key = spec.output_names[0]
    assert np.max(np.abs(a[key] - b[key])) > 1e-3


def test_rows_are_independent(package, components, runner):
    """Batch 3 row by row equals three batch-1 runs (nothing depends on the traced batch size)."""
    spec = contract.build_graph_specs(components)["decoder"]
    feeds = contract.make_inputs(spec, 3, np.random.default_rng(6), timestep=[999, 500, 0])
    path = package.out_dir / "decoder" / "model.onnx"
    singles = [{k: v[i : i + 1] for k, v in feeds.items()} for i in range(3)]
    results = runner.run([(path, feeds)] + [(path, s) for s in singles])
    together = results[0]["noise_pred"]
    for i, single in enumerate(results[1:]):
        np.testing.assert_allclose(together[i : i + 1], single["noise_pred"], rtol=0, atol=1e-5)
