"""Graph signatures derived from the configs, random inputs, and contract enforcement at export."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from unclip_export import contract
from unclip_export.onnx_io import ContractError, export_graph, load_signature
from unclip_export.wrappers import SuperResGraph, wrap


def test_specs_from_configs(components):
    specs = contract.build_graph_specs(components)
    assert list(specs) == list(contract.GRAPH_NAMES)
    shapes = {name: ([t.shape for t in s.inputs], [t.shape for t in s.outputs]) for name, s in specs.items()}
    assert shapes["text_encoder"] == ([(77,)], [(32,), (77, 32)])
    assert shapes["prior"] == ([(32,), (), (32,), (77, 32), (77,)], [(32,)])
    assert shapes["text_proj"] == ([(32,), (32,), (77, 32)], [(81, 100), (128,)])
    assert shapes["decoder"] == ([(3, 32, 32), (), (81, 100), (128,), (81,)], [(6, 32, 32)])
    assert shapes["super_res_last"] == ([(6, 64, 64), ()], [(3, 64, 64)])
    assert shapes["image_encoder"] == ([(3, 32, 32)], [(32,), (1025, 32)])
    dtypes = {t.name: t.dtype for s in specs.values() for t in s.inputs}
    assert dtypes["input_ids"] == dtypes["timestep"] == "int64"
    assert dtypes["attention_mask"] == "bool"


def test_config_value_reads_mappings_and_objects(components):
    assert contract.config_value(components.prior, "embedding_dim") == 32  # mapping config
    assert contract.config_value(components.text_encoder, "hidden_size") == 32  # attribute config
    assert contract.config_value({"clip_embed_dim": None}, "clip_embed_dim", 7) == 7  # null means "default"
    with pytest.raises(KeyError, match="no value for 'nope'"):
        contract.config_value(components.prior, "nope")


def test_inconsistent_configs_are_rejected(components):
    broken = copy.copy(components)
    broken.prior = copy.deepcopy(components.prior)
    broken.prior.config["num_embeddings"] = 70
    with pytest.raises(ValueError, match="num_embeddings"):
        contract.build_graph_specs(broken)
    broken = copy.copy(components)
    broken.decoder = copy.deepcopy(components.decoder)
    broken.decoder.config["sample_size"] = [32, 16]
    with pytest.raises(ValueError, match="square"):
        contract.build_graph_specs(broken)
    broken.decoder.config["sample_size"] = [32, 32]
    assert contract.build_graph_specs(broken)["decoder"].inputs[0].shape == (3, 32, 32)


def test_random_inputs(components):
    specs = contract.build_graph_specs(components)
    rng = np.random.default_rng(0)
    feeds = contract.make_inputs(specs["decoder"], 5, rng, timestep=[999] * 5)
    assert feeds["timestep"].dtype == np.int64 and feeds["timestep"].tolist() == [999] * 5
    mask = feeds["attention_mask"]
    assert mask.dtype == np.bool_ and mask.shape == (5, 81)
    assert mask[:, :5].all()  # 4 context tokens + BOS are always visible
    lengths = mask.sum(axis=1)
    assert all(mask[i, : lengths[i]].all() for i in range(5))  # a prefix, like a tokenizer mask
    ids = contract.make_inputs(specs["text_encoder"], 3, rng)["input_ids"]
    assert ids.dtype == np.int64 and ids.max() < 1000


def test_package_files_lists_external_data():
    files = contract.package_files(["prior"])
    assert "prior/model.onnx.data" in files and "decoder/model.onnx.data" not in files
    assert len(files) == len(contract.package_files()) + 1


def test_export_refuses_outputs_that_contradict_the_configs(components, tmp_path):
    wrong = copy.copy(components)
    wrong.text_encoder = copy.deepcopy(components.text_encoder)
    wrong.text_encoder.config.projection_dim = 16  # the module still projects to 32
    spec = contract.build_graph_specs(wrong)["text_encoder"]
    with pytest.raises(ContractError, match="text_embeds.*contract"):
        export_graph("text_encoder", wrap("text_encoder", wrong.text_encoder), spec, tmp_path / "te")


class IgnoresTimestep(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, sample, timestep):
        return self.inner(sample, torch.zeros(sample.shape[0], dtype=torch.int64))


def test_unused_inputs_are_still_declared(components, tmp_path):
    spec = contract.build_graph_specs(components)["super_res_first"]
    module = IgnoresTimestep(SuperResGraph(components.super_res_first)).eval()
    exported = export_graph("super_res_first", module, spec, tmp_path / "sr")
    assert any("'timestep' is not used" in note for note in exported.notes)
    names = [vi.name for vi in load_signature(exported.path).graph.input]
    assert names == ["sample", "timestep"]
