"""Per-component precision of --fp16 packages: --fp16-keep-float32, the measured default, converting an
existing float32 package, and fp16_drift's --budget recommendation."""

from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto

from unclip_export import contract
from unclip_export import fp16_drift as fd
from unclip_export.fp16_package import (
    DEFAULT_KEEP_FLOAT32,
    Fp16PackageError,
    convert_package,
    package_megabytes,
    parse_keep_float32,
    precisions,
)
from unclip_export.cli import main as export_main
from unclip_export.fp16_package import main as package_main
from unclip_export.package import ExportOptions, write_package


def _fp16_weights(path) -> int:
    model = onnx.load(str(path))
    return sum(1 for init in model.graph.initializer if init.data_type == TensorProto.FLOAT16)


def _precision(pkg, name) -> str:
    return json.loads((pkg / name / "config.json").read_text(encoding="utf-8"))["precision"]


# --- the option -------------------------------------------------------------------------------------


def test_parse_keep_float32_orders_and_accepts_none():
    assert parse_keep_float32("decoder, prior") == ("prior", "decoder")  # package order, spaces allowed
    assert parse_keep_float32("none") == ()
    assert parse_keep_float32(",".join(DEFAULT_KEEP_FLOAT32)) == DEFAULT_KEEP_FLOAT32


@pytest.mark.parametrize(
    "text, message",
    [
        ("prior,vae", "unknown component 'vae'; choose from text_encoder, prior"),
        ("prior,,decoder", "empty component name"),
        ("", "empty component name"),
        ("decoder,decoder", "component 'decoder' named twice"),
        ("none,prior", "unknown component 'none'"),
    ],
)
def test_parse_keep_float32_names_the_bad_part(text, message):
    with pytest.raises(Fp16PackageError, match=message):
        parse_keep_float32(text)


def test_default_keeps_what_the_toy_measurement_showed():
    """The stages whose fp16 graph alone moved the toy model's image by more than 0.05 (prior 0.18,
    text_proj 0.25, decoder 1.0) and the two encoders feeding the same conditioning; the super-res UNets
    (0.00016, 0.00034) are converted."""
    assert set(DEFAULT_KEEP_FLOAT32) == {"text_encoder", "prior", "text_proj", "decoder", "image_encoder"}
    assert precisions(DEFAULT_KEEP_FLOAT32) == {
        name: "float16" if name.startswith("super_res") else "float32" for name in contract.GRAPH_NAMES
    }
    assert ExportOptions(fp16=True).fp16_keep_float32 == DEFAULT_KEEP_FLOAT32


# --- the written package ----------------------------------------------------------------------------


def test_export_keeps_the_chosen_components_float32(components, tmp_path):
    """write_package (the exporter's --fp16 path): kept graphs have no fp16 weight and say float32 in
    their config.json; the others are fp16 and say float16 (what the app's package list shows)."""
    keep = ("prior", "decoder")
    result = write_package(components, tmp_path / "pkg", ExportOptions(fp16=True, fp16_keep_float32=keep), log=lambda _m: None)
    for name in contract.GRAPH_NAMES:
        path = result.out_dir / name / "model.onnx"
        if name in keep:
            assert _fp16_weights(path) == 0, name
            assert result.graphs[name].fp16 is None
            assert _precision(result.out_dir, name) == "float32"
        else:
            assert _fp16_weights(path) > 0, name
            assert _precision(result.out_dir, name) == "float16"


def test_convert_existing_package(package, tmp_path):
    out = tmp_path / "mixed"
    reports = convert_package(package.out_dir, out, ("text_encoder", "prior", "decoder"))
    assert set(reports) == {"text_proj", "super_res_first", "super_res_last", "image_encoder"}
    for name in contract.GRAPH_NAMES:
        src, dst = package.out_dir / name / "model.onnx", out / name / "model.onnx"
        if name in ("text_encoder", "prior", "decoder"):
            assert dst.read_bytes() == src.read_bytes(), name  # copied as it was
            assert _precision(out, name) == "float32"
        else:
            assert _fp16_weights(dst) > 0
            assert _precision(out, name) == "float16"
    # everything that is not a graph comes along (schedulers, tokenizer, sidecars)
    assert (out / "prior" / "clip_mean.npy").is_file() and (out / "decoder_scheduler" / "scheduler_config.json").is_file()
    assert package_megabytes(out) < package_megabytes(package.out_dir)
    assert fd.recorded_precision(out, "prior") == "float32" and fd.recorded_precision(out, "super_res_last") == "float16"
    assert fd.recorded_precision(package.out_dir, "prior") is None  # a float32 export records nothing


def test_convert_refuses_a_non_empty_target_and_a_non_package(package, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(Fp16PackageError, match="exists and is not empty"):
        convert_package(package.out_dir, tmp_path / "full")
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    with pytest.raises(Fp16PackageError, match="not a model package"):
        convert_package(tmp_path / "full", tmp_path / "out")


def test_package_cli(package, tmp_path, capsys):
    assert package_main([str(package.out_dir), "--out", str(tmp_path / "p"), "--keep-float32", "none"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert {_precision(tmp_path / "p", n) for n in contract.GRAPH_NAMES} == {"float16"}
    with pytest.raises(SystemExit):
        package_main([str(package.out_dir), "--out", str(tmp_path / "q"), "--keep-float32", "vae"])
    assert "--keep-float32: unknown component 'vae'" in capsys.readouterr().err


# --- fp16_drift --budget ----------------------------------------------------------------------------


def _image(maximum):
    return {"mean": maximum / 10, "max": maximum, "pixels_over_0.05": 0.0}


def test_recommend_keeps_the_stages_over_budget():
    isolated = {"prior": _image(0.18), "decoder": _image(1.0), "super_res_first": _image(0.0002)}
    seen = []

    def end_to_end(keep):
        seen.append(keep)
        return _image(0.0004)

    rec = fd.recommend(isolated, 0.05, end_to_end)
    assert rec["keep_float32"] == ["prior", "decoder"] and rec["within_budget"]
    assert seen == [["prior", "decoder"]]  # checked end to end once
    assert rec["image"]["max"] == 0.0004
    # what FP16_PKG already has float32 belongs to the list the exporter is given
    lines = fd.format_report({"stages": {}, "image": _image(0.0004), "recommendation": {**rec, "already_float32": ["text_encoder"]}})
    assert lines[-1].endswith("→ --fp16-keep-float32 text_encoder,prior,decoder"), lines[-1]


def test_recommend_adds_the_next_worst_stage_until_within_budget():
    """Isolated drifts need not add up: two stages each under the budget can exceed it together."""
    isolated = {"prior": _image(0.04), "text_proj": _image(0.03), "decoder": _image(0.5), "super_res_last": _image(0.001)}
    results = {("decoder",): 0.07, ("prior", "decoder"): 0.02}
    rec = fd.recommend(isolated, 0.05, lambda keep: _image(results[tuple(s for s in isolated if s in keep)]))
    assert rec["keep_float32"] == ["prior", "decoder"] and rec["within_budget"]
    assert [t["keep_float32"] for t in rec["tried"]] == [["decoder"], ["decoder", "prior"]]


def test_recommend_says_when_nothing_is_enough():
    isolated = {"prior": _image(0.01), "decoder": _image(0.02)}
    rec = fd.recommend(isolated, 0.05, lambda keep: _image(0.2 if len(keep) < 2 else 0.06))
    assert rec["keep_float32"] == ["prior", "decoder"] and not rec["within_budget"]
    assert any("NOT within" in line for line in fd.format_report({"stages": {}, "image": _image(0.3), "recommendation": rec}))
    with pytest.raises(fd.DriftError, match="budget must be positive"):
        fd.recommend(isolated, 0, lambda keep: _image(0))


def test_budget_on_the_stand_ins(package, fp16_package, runner, tmp_path):
    """A real --budget run: the recommendation holds every stage whose isolated drift exceeds the
    budget, and the end-to-end drift it reports is that of the pipeline with them float32."""
    if runner.name == "onnx reference evaluator":
        pytest.skip("the drift report runs whole pipelines: needs onnxruntime (Python) or onnxruntime-node")
    budget = 0.05
    one_prompt = fd.random_token_ids(package.out_dir, 1, seed=0)  # and "": the smallest run
    r = fd.report(package.out_dir, fp16_package.out_dir, runner, one_prompt, budget=budget)
    rec = r["recommendation"]
    over = [s for s, row in r["stages"].items() if row["alone_image"]["max"] > budget]
    assert rec["tried"][0]["keep_float32"] == over
    assert set(over) <= set(rec["keep_float32"])
    assert rec["within_budget"] == (rec["image"]["max"] <= budget)
    if set(rec["keep_float32"]) == set(fd.STAGES):
        assert rec["image"]["max"] == 0  # the float32 pipeline against itself
    lines = fd.format_report(r)
    assert any(line.startswith(f"keep float32 for an image max of {budget:g}:") for line in lines)


def test_drift_cli_option_errors(package, capsys):
    with pytest.raises(SystemExit):
        fd.main([str(package.out_dir), "--keep-float32", "prior,vae"])
    assert "--keep-float32: unknown component 'vae'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        fd.main([str(package.out_dir), str(package.out_dir), "--keep-float32", "prior"])  # both a package and a scratch
    with pytest.raises(SystemExit):
        fd.main([str(package.out_dir), "--keep-float32", "prior", "--budget", "0"])
    assert "--budget must be positive" in capsys.readouterr().err



def test_exporter_cli_keeps_and_verifies(components, tmp_path, capsys):
    """export_karlo.py --fp16 --fp16-keep-float32 decoder --verify: the option reaches the package, and
    --verify checks the kept decoder as a float32 graph (absolute 1e-3), the others as fp16 ones."""
    out = tmp_path / "karlo"
    argv = ["--source", "a/b", "--out", str(out), "--fp16", "--fp16-keep-float32", "decoder", "--verify"]
    assert export_main(argv, load_components=lambda *a, **k: components) == 0
    printed = capsys.readouterr().out
    assert "fp16: kept in float32 whole: decoder (--fp16-keep-float32)" in printed and "verification passed" in printed
    assert {name: _precision(out, name) for name in contract.GRAPH_NAMES} == {
        name: "float32" if name == "decoder" else "float16" for name in contract.GRAPH_NAMES
    }
    checks = {line.split()[0]: line for line in printed.splitlines() if "max |onnx - torch|" in line}
    assert "(limit 1.0e-03," in checks["decoder"], checks["decoder"]
    assert "(limit 1.0e-03," not in checks["super_res_first"], checks["super_res_first"]  # 5 % of the output
