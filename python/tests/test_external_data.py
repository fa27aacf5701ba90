"""ONNX external data: model.onnx + model.onnx.data, as graphs over protobuf's 2 GiB limit need."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from unclip_export import contract
from unclip_export.onnx_io import PROTOBUF_LIMIT, ContractError, export_graph, save_model, use_external_data
from unclip_export.wrappers import wrap


def _external_entries(path):
    model = onnx.load(str(path), load_external_data=False)
    entries = []
    for init in model.graph.initializer:
        info = {e.key: e.value for e in init.external_data}
        entries.append((init.data_location, info.get("location"), int(info.get("offset", -1)), int(info.get("length", -1))))
    return entries


@pytest.fixture(scope="module")
def external_prior(components, tmp_path_factory):
    spec = contract.build_graph_specs(components)["prior"]
    out = tmp_path_factory.mktemp("external") / "prior"
    return export_graph("prior", wrap("prior", components.prior), spec, out, external_data="always"), spec


def test_files_and_locations(external_prior):
    exported, _ = external_prior
    assert exported.external_data
    folder = exported.path.parent
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", "model.onnx.data"]
    entries = _external_entries(exported.path)
    assert entries and all(kind == onnx.TensorProto.EXTERNAL and loc == "model.onnx.data" for kind, loc, _, _ in entries)
    # One data file, tensors back to back, nothing left inline.
    spans = sorted((offset, length) for _, _, offset, length in entries)
    end = 0
    for offset, length in spans:
        assert offset >= end
        end = offset + length
    assert (folder / "model.onnx.data").stat().st_size == end


def test_same_layout_as_shared_prior_external_data(external_prior, prior_external_fixture):
    exported, _ = external_prior
    ours = _external_entries(exported.path)
    theirs = _external_entries(prior_external_fixture / "model.onnx")
    assert sorted(p.name for p in prior_external_fixture.iterdir()) == sorted(p.name for p in exported.path.parent.iterdir())
    assert {(kind, loc) for kind, loc, _, _ in ours} == {(kind, loc) for kind, loc, _, _ in theirs}


def test_loads_from_its_path_and_matches_inline(external_prior, package, runner):
    exported, spec = external_prior
    feeds = contract.make_inputs(spec, 3, np.random.default_rng(3), timestep=[999, 500, 0])
    external, inline = runner.run([(exported.path, feeds), (package.out_dir / "prior" / "model.onnx", feeds)])
    np.testing.assert_allclose(external["predicted_image_embedding"], inline["predicted_image_embedding"], rtol=0, atol=1e-6)


def test_shared_external_prior_runs(prior_external_fixture, runner):
    spec_feeds = {
        "hidden_states": np.zeros((2, 32), np.float32),
        "timestep": np.array([999, 0], np.int64),
        "proj_embedding": np.zeros((2, 32), np.float32),
        "encoder_hidden_states": np.zeros((2, 77, 32), np.float32),
        "attention_mask": np.ones((2, 77), bool),
    }
    (out,) = runner.run([(prior_external_fixture / "model.onnx", spec_feeds)])
    assert out["predicted_image_embedding"].shape == (2, 32)


def test_decision_by_size():
    assert not use_external_data("auto", 10 << 20)
    assert use_external_data("auto", 3 << 30)  # the Karlo prior in float32 is ~4 GB
    assert use_external_data("auto", 10 << 20, threshold=1 << 20)
    assert use_external_data("always", 1)
    assert not use_external_data("never", 1 << 30)
    with pytest.raises(ContractError, match="2 GiB"):
        use_external_data("never", PROTOBUF_LIMIT + 1)
    with pytest.raises(ValueError):
        use_external_data("sometimes", 1)


def test_auto_threshold_forces_external_on_a_small_graph(components, tmp_path):
    spec = contract.build_graph_specs(components)["text_proj"]
    exported = export_graph(
        "text_proj", wrap("text_proj", components.text_proj), spec, tmp_path / "tp", external_threshold=1024
    )
    assert exported.external_data
    assert (tmp_path / "tp" / "model.onnx.data").is_file()


def test_resaving_replaces_stale_data(external_prior, tmp_path):
    exported, _ = external_prior
    model = onnx.load(str(exported.path))
    target = tmp_path / "model.onnx"
    save_model(onnx.ModelProto.FromString(model.SerializeToString()), target, external=True)
    size = (tmp_path / "model.onnx.data").stat().st_size
    # onnx appends to an existing data file; a second save must not grow it or shift the offsets.
    save_model(onnx.ModelProto.FromString(model.SerializeToString()), target, external=True)
    assert (tmp_path / "model.onnx.data").stat().st_size == size
    save_model(onnx.ModelProto.FromString(model.SerializeToString()), target, external=False)
    assert not (tmp_path / "model.onnx.data").exists()
