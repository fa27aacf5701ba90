"""Command-line argument errors are reported clearly (exit status 2, usage and one sentence)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from unclip_export.cli import main

SCRIPT = Path(__file__).resolve().parents[1] / "export_karlo.py"


def _error(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv, load_components=lambda *a, **k: pytest.fail("must not load anything"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: export_karlo.py")
    return err.strip().splitlines()[-1]


def test_source_and_out_are_required(capsys):
    assert "the following arguments are required: --source, --out" in _error(capsys, [])
    assert "--out" in _error(capsys, ["--source", "kakaobrain/karlo-v1-alpha"])


@pytest.mark.parametrize("opset", ["7", "99"])
def test_opset_range(capsys, tmp_path, opset):
    message = _error(capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--opset", opset])
    assert "--opset must be between 13 and" in message and opset in message


def test_opset_must_be_a_number(capsys, tmp_path):
    assert "invalid int value: 'seventeen'" in _error(
        capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--opset", "seventeen"]
    )


@pytest.mark.parametrize("source", ["./no-such-dir", "/no/such/karlo", "a/b/c"])
def test_missing_local_source(capsys, tmp_path, source):
    message = _error(capsys, ["--source", source, "--out", str(tmp_path / "o")])
    assert f"--source {source!r} is not a directory" in message


def test_empty_variation_source(capsys, tmp_path):
    assert "--variation-source is empty" in _error(
        capsys, ["--source", "a/b", "--variation-source", " ", "--out", str(tmp_path / "o")]
    )


def test_out_is_a_file(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert "exists and is not a directory" in _error(capsys, ["--source", "a/b", "--out", str(target)])


def test_out_is_an_unrelated_folder(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    message = _error(capsys, ["--source", "a/b", "--out", str(tmp_path)])
    assert "is not empty and holds no model package; pass --force" in message


def test_external_data_choices(capsys, tmp_path):
    assert "invalid choice: 'sometimes'" in _error(
        capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--external-data", "sometimes"]
    )


def test_tolerance_must_be_positive(capsys, tmp_path):
    assert "--tolerance must be positive" in _error(
        capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--verify", "--tolerance", "0"]
    )


def test_verify_backend_needs_verify(capsys, tmp_path):
    assert "--verify-backend only makes sense with --verify" in _error(
        capsys, ["--source", "a/b", "--out", str(tmp_path / "o"), "--verify-backend", "node"]
    )


def test_fp16_keep_float32_needs_fp16_and_known_names(capsys, tmp_path):
    out = str(tmp_path / "o")
    assert "--fp16-keep-float32 only makes sense with --fp16" in _error(
        capsys, ["--source", "a/b", "--out", out, "--fp16-keep-float32", "prior"]
    )
    message = _error(capsys, ["--source", "a/b", "--out", out, "--fp16", "--fp16-keep-float32", "prior,unet"])
    assert message.startswith("export_karlo.py: error: --fp16-keep-float32: unknown component 'unet'; choose from text_encoder")


@pytest.mark.skipif(importlib.util.find_spec("diffusers") is not None, reason="diffusers is installed here")
def test_missing_diffusers_is_explained(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", "kakaobrain/karlo-v1-alpha", "--out", str(tmp_path / "karlo")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "diffusers (0.23 to 0.33)" in proc.stderr and "pip install -r python/requirements.txt" in proc.stderr
    assert not (tmp_path / "karlo").exists()


def test_help_runs_as_a_script():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "--variation-source" in proc.stdout and "--fp16" in proc.stdout
