"""The exporter's --int8: float32 export, prompt calibration through the package, static int8 Conv,
dynamic int8 MatMul, float32 kept where it matters, the precision recorded per component."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import onnx
import pytest

from unclip_export import contract
from unclip_export.calibrate import DECODER_TIMESTEPS, DEFAULT_PROMPTS, prompt_calibration_feeds
from unclip_export.cli import main


def _loader(components):
    def load(source, variation_source=None, **kwargs):
        return components

    return load


def _ops(path):
    return Counter(n.op_type for n in onnx.load(str(path)).graph.node)


def _config(pkg, name):
    return json.loads((pkg / name / "config.json").read_text(encoding="utf-8"))


def _usage_error(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv, load_components=lambda *a, **k: pytest.fail("must not load anything"))
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_int8_and_fp16_exclude_each_other(capsys, tmp_path):
    message = _usage_error(capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--fp16", "--int8"])
    assert "--fp16 and --int8 cannot be combined" in message


def test_fp16_export_records_its_precision(fp16_package, package):
    for name in contract.GRAPH_NAMES:
        assert _config(fp16_package.out_dir, name)["precision"] == "float16"
        # float32 writes no field (absent = float32): its configs stay what save_pretrained wrote
        assert "precision" not in _config(package.out_dir, name)


def test_prompt_calibration_feeds(package, components, runner):
    if runner.name == "onnx reference evaluator":
        pytest.skip("calibration runs the graphs in onnxruntime")
    feeds = prompt_calibration_feeds(package.out_dir, runner, tokenizer=components.tokenizer, log=lambda _m: None)
    rows = len(DEFAULT_PROMPTS) + 1  # and "" for the unconditional row
    assert sum(f["sample"].shape[0] for f in feeds["decoder"]) == rows * len(DECODER_TIMESTEPS)
    first = feeds["decoder"][0]
    # the mask has the text_proj's extra tokens in front, always attended to
    extra = first["attention_mask"].shape[1] - 77
    assert extra > 0 and first["attention_mask"][:, :extra].all()
    # the conditioning comes from the prompts: two different prompts, two different class labels
    assert not np.allclose(first["class_labels"][0], first["class_labels"][1])
    # super-res: noise mixed with the decoder's image, beside that image (in [-1, 1])
    sr = feeds["super_res_first"][0]["sample"]
    assert sr.shape[1] == 6 and np.abs(sr[:, 3:]).max() <= 1.0 and feeds["super_res_last"]


def test_cli_int8_export(components, package, runner, tmp_path, capsys):
    if runner.name == "onnx reference evaluator":
        pytest.skip("--int8 calibrates in onnxruntime")
    out = tmp_path / "karlo-int8"
    code = main(["--source", "kakaobrain/karlo-v1-alpha", "--out", str(out), "--int8"], load_components=_loader(components))
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert f"calibration: {len(DEFAULT_PROMPTS)} prompts" in printed.out
    assert "int8: kept in float32" in printed.out
    # the same files as a float32 package: the contract does not change
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == list(contract.package_files())
    for name in ("decoder", "super_res_first", "super_res_last"):
        ops = _ops(out / name / "model.onnx")
        assert ops["QuantizeLinear"] > 0 and ops["DequantizeLinear"] > 0, name  # static Conv (QDQ)
        assert ops["ConvInteger"] == 0, name  # not the slow dynamic Conv
        assert ops["Softmax"] == _ops(package.out_dir / name / "model.onnx")["Softmax"], name
        assert _config(out, name)["precision"] == "int8"
    assert _ops(out / "prior" / "model.onnx")["MatMulInteger"] > 0
    for name in ("text_encoder", "text_proj", "image_encoder"):
        assert _config(out, name)["precision"] == "float32"
        assert (out / name / "model.onnx").read_bytes() == (package.out_dir / name / "model.onnx").read_bytes()
    for name in ("decoder", "super_res_first"):
        assert (out / name / "model.onnx").stat().st_size < (package.out_dir / name / "model.onnx").stat().st_size
    # the first and last layers stay float32 (by name)
    conv_names = {n.name for n in onnx.load(str(out / "decoder" / "model.onnx")).graph.node if n.op_type == "Conv"}
    assert any("conv_in" in n and "__qdq" not in n for n in conv_names)
    assert any("conv_out" in n and "__qdq" not in n for n in conv_names)

    # int8 decoder close to float32 on calibration-like inputs (prompt conditioning, noisy sample)
    feeds = prompt_calibration_feeds(package.out_dir, runner, tokenizer=components.tokenizer, seed=1, log=lambda _m: None)
    job = feeds["decoder"][len(feeds["decoder"]) // 2]
    ref, got = runner.run([(package.out_dir / "decoder" / "model.onnx", job), (out / "decoder" / "model.onnx", job)])
    scale = float(np.abs(ref["noise_pred"]).max())
    err = np.abs(ref["noise_pred"] - got["noise_pred"])
    assert 0 < float(err.max()) <= 0.25 * scale, (float(err.max()), scale)
    assert float(err.mean()) <= 0.05 * scale


def test_cli_int8_with_verify_reports_the_drift(components, runner, tmp_path, capsys):
    if runner.name == "onnx reference evaluator":
        pytest.skip("--int8 calibrates in onnxruntime")
    out = tmp_path / "karlo-int8"
    code = main(["--source", "kakaobrain/karlo-v1-alpha", "--out", str(out), "--int8", "--verify"], load_components=_loader(components))
    printed = capsys.readouterr()
    assert code == 0, printed.err
    # the float32 graphs verified against torch first, then int8 against float32 on held-out prompts
    assert printed.out.index("verification passed") < printed.out.index("int8: calibrating")
    drift = {line.split()[2].rstrip(":"): line for line in printed.out.splitlines() if line.startswith("int8 drift ")}
    assert sorted(drift) == ["decoder", "prior", "super_res_first", "super_res_last"]
    assert all("mean" in line and "max" in line for line in drift.values())
    # the float32 copies were scratch: the package is the contract's files only
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == list(contract.package_files())


def test_cli_int8_with_external_data(components, runner, tmp_path, capsys):
    """Graphs saved with external data (the real Karlo prior) are read with it and written back inline
    when the int8 graph fits in one protobuf; the untouched graphs keep theirs."""
    if runner.name == "onnx reference evaluator":
        pytest.skip("--int8 calibrates in onnxruntime")
    out = tmp_path / "karlo-int8"
    argv = ["--source", "kakaobrain/karlo-v1-alpha", "--out", str(out), "--int8", "--external-data", "always"]
    code = main(argv, load_components=_loader(components))
    assert code == 0, capsys.readouterr().err
    rewritten = ("prior", "decoder", "super_res_first", "super_res_last")
    untouched = [name for name in contract.GRAPH_NAMES if name not in rewritten]
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == list(contract.package_files(untouched))
    model = onnx.load(str(out / "decoder" / "model.onnx"))
    assert _ops(out / "decoder" / "model.onnx")["QuantizeLinear"] > 0
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
