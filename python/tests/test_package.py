"""Package layout, config files, tokenizer files, model_index and sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from components import TINY_PACKAGE
from unclip_export import contract
from unclip_export.package import PackageError, build_model_index, json_text, list_package_files, save_module_config


def test_layout_is_the_contract(package):
    assert package.files == list(contract.package_files())
    assert list_package_files(package.out_dir) == list(contract.package_files())


def test_layout_matches_unclip_tiny_file_by_file(package, shared_fixtures):
    # Same relative paths as the shared tiny package (weights are ONNX in both).
    assert list_package_files(package.out_dir) == list_package_files(TINY_PACKAGE)


def test_contract_layout_matches_unclip_tiny(shared_fixtures):
    assert list(contract.package_files()) == list_package_files(TINY_PACKAGE)


def test_tokenizer_keeps_only_package_files(package):
    names = sorted(p.name for p in (package.out_dir / "tokenizer").iterdir())
    assert names == sorted(contract.TOKENIZER_FILES)
    assert any("added_tokens.json" in note for note in package.notes)


def test_no_staging_leftovers(package):
    hidden = [p for p in package.out_dir.rglob(".*")]
    assert hidden == []


def test_config_files_are_the_module_configs(package, components):
    prior = json.loads((package.out_dir / "prior" / "config.json").read_text())
    assert prior["_class_name"] == "PriorTransformer"
    assert prior["embedding_dim"] == components.prior.config["embedding_dim"]
    text_encoder = json.loads((package.out_dir / "text_encoder" / "config.json").read_text())
    # Like transformers' model.save_pretrained: the model class is recorded.
    assert text_encoder["architectures"] == ["CLIPTextModelWithProjection"]
    scheduler = json.loads((package.out_dir / "decoder_scheduler" / "scheduler_config.json").read_text())
    assert scheduler["_class_name"] == "UnCLIPScheduler"
    assert scheduler["variance_type"] == "learned_range"
    for path in package.out_dir.rglob("*.json"):
        text = path.read_text()
        assert text.endswith("}\n")
        assert "_name_or_path" not in json.loads(text)


def test_name_or_path_is_scrubbed(tmp_path):
    class Module:
        config_name = "config.json"

        def save_config(self, directory):
            data = {"_class_name": "X", "_name_or_path": "/home/someone/karlo", "a": 1}
            (Path(directory) / "config.json").write_text(json_text(data))

    save_module_config(Module(), tmp_path / "out", "x")
    assert json.loads((tmp_path / "out" / "config.json").read_text()) == {"_class_name": "X", "a": 1}


def test_config_without_a_saver_is_an_error(tmp_path):
    with pytest.raises(PackageError, match="don't know how to save"):
        save_module_config(torch.nn.Linear(2, 2), tmp_path, "mystery")


def test_model_index(package):
    index = json.loads((package.out_dir / "model_index.json").read_text())
    assert index["_class_name"] == "UnCLIPPipeline"
    assert index["text_proj"] == ["unclip", "UnCLIPTextProjModel"]
    assert index["image_encoder"] == ["transformers", "CLIPVisionModelWithProjection"]
    assert index["feature_extractor"] == ["transformers", "CLIPImageProcessor"]
    components = {k for k in index if not k.startswith("_")}
    assert components == set(contract.GRAPH_NAMES) | set(contract.SCHEDULER_NAMES) | {"tokenizer", "feature_extractor"}


def test_model_index_needs_the_variation_entries():
    with pytest.raises(PackageError, match="variation pipeline has no"):
        build_model_index({"decoder": ("diffusers", "UNet2DConditionModel")}, {}, "0.23.0")


def test_sidecars(package, components):
    out = package.out_dir
    mean = np.load(out / "prior" / "clip_mean.npy")
    std = np.load(out / "prior" / "clip_std.npy")
    cfg = np.load(out / "text_proj" / "learned_classifier_free_guidance_embeddings.npy")
    for array in (mean, std, cfg):
        assert array.dtype == np.float32
    assert mean.shape == std.shape == (1, 32)
    assert cfg.shape == (32,)
    np.testing.assert_array_equal(mean, components.prior.clip_mean.detach().numpy())
    np.testing.assert_array_equal(std, components.prior.clip_std.detach().numpy())
    np.testing.assert_array_equal(cfg, components.text_proj.learned_classifier_free_guidance_embeddings.detach().numpy())
    # The consumer's post-processing with the sidecars is the prior's own post_process_latents.
    latents = torch.randn(3, 32)
    expected = components.prior.post_process_latents(latents).detach().numpy()
    np.testing.assert_allclose(latents.numpy() * std + mean, expected, rtol=0, atol=1e-6)


def test_sidecars_match_unclip_tiny_format(package, shared_fixtures):
    for rel in ("prior/clip_mean.npy", "prior/clip_std.npy", "text_proj/learned_classifier_free_guidance_embeddings.npy"):
        ours = np.load(package.out_dir / rel)
        theirs = np.load(TINY_PACKAGE / rel)
        assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape)
        # Same .npy header (format version, descr, shape): byte-compatible readers.
        assert (package.out_dir / rel).read_bytes()[:128] == (TINY_PACKAGE / rel).read_bytes()[:128]


def test_text_files_identical_to_unclip_tiny(fixture_like_package):
    """Built from unclip-tiny's own configs and tokenizer, every non-weight text file is byte-identical."""
    out = fixture_like_package.out_dir
    compared = 0
    for rel in list_package_files(TINY_PACKAGE):
        if rel.endswith((".onnx", ".npy")):
            continue
        assert (out / rel).read_bytes() == (TINY_PACKAGE / rel).read_bytes(), rel
        compared += 1
    assert compared == 16
