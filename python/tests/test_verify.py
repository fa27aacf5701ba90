"""--verify: passes on a correct export, fails loudly on a broken one (also through the CLI)."""

from __future__ import annotations

import shutil

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import standins
from components import build_components
from unclip_export import contract
from unclip_export.cli import build_parser, main, validate_args
from unclip_export.onnx_io import export_graph
from unclip_export.verify import check_graph
from unclip_export.wrappers import SuperResGraph, wrap


def test_verify_fails_on_altered_weights(package, components, runner, tmp_path):
    model = onnx.load(str(package.out_dir / "prior" / "model.onnx"))
    weight = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.5, weight.name))
    broken = tmp_path / "prior" / "model.onnx"
    broken.parent.mkdir()
    onnx.save(model, str(broken))
    spec = contract.build_graph_specs(components)["prior"]
    check = check_graph("prior", wrap("prior", components.prior), spec, broken, runner)
    assert not check.ok
    assert "FAILED" in check.line() and "worst" in check.line()


class FrozenTimestep(torch.nn.Module):
    """Exports a super-res UNet the wrong way: the timestep input is ignored, t=500 is baked in."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, sample, timestep):
        return self.inner(sample, torch.full_like(timestep, 500))


def test_verify_catches_a_frozen_timestep(components, runner, tmp_path):
    spec = contract.build_graph_specs(components)["super_res_first"]
    frozen = FrozenTimestep(SuperResGraph(components.super_res_first)).eval()
    exported = export_graph("super_res_first", frozen, spec, tmp_path / "sr")
    honest = wrap("super_res_first", components.super_res_first)
    at_500 = check_graph("super_res_first", honest, spec, exported.path, runner, timesteps=(500,))
    assert at_500.ok  # the frozen value itself agrees...
    check = check_graph("super_res_first", honest, spec, exported.path, runner)
    assert not check.ok  # ...but 999 and 0 do not
    assert check.timestep_effect == 0.0
    assert "does not depend on the timestep" in " ".join(check.warnings)


class SabotagedDecoder(standins.UNet2DConditionModel):
    """Behaves differently while being traced, so the exported graph is wrong."""

    def forward(self, *args, **kwargs):
        out = super().forward(*args, **kwargs)
        if torch.jit.is_tracing():
            out.sample = out.sample + 0.01
        return out


def _loader(components):
    def load(source, variation_source=None, **kwargs):
        return components

    return load


def test_cli_export_and_verify(components, tmp_path, capsys, runner):
    out = tmp_path / "models" / "karlo"
    code = main(
        ["--source", "kakaobrain/karlo-v1-alpha", "--out", str(out), "--verify", "--external-data", "always"],
        load_components=_loader(components),
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    lines = {line.split()[0]: line for line in printed.out.splitlines() if "max |onnx - torch|" in line}
    assert list(lines) == list(contract.GRAPH_NAMES)
    # Batch 1 and 2 at three timesteps plus one batch with mixed timesteps; one run per batch otherwise.
    assert " 7 runs)" in lines["decoder"] and " 2 runs)" in lines["text_encoder"]
    assert all(line.rstrip().endswith("ok") or "ok  [" in line for line in lines.values())
    assert "verification passed" in printed.out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == list(
        contract.package_files(contract.GRAPH_NAMES)
    )


def test_cli_verify_fails_loudly(tmp_path, capsys, runner):
    components = build_components()
    config = dict(components.decoder.config)
    torch.manual_seed(0)
    components.decoder = SabotagedDecoder(config).eval()
    code = main(
        ["--source", "kakaobrain/karlo-v1-alpha", "--out", str(tmp_path / "karlo"), "--verify"],
        load_components=_loader(components),
    )
    printed = capsys.readouterr()
    assert code == 1
    assert "verification FAILED for decoder" in printed.err
    verdicts = {
        line.split()[0]: ("FAILED" in line)
        for line in printed.out.splitlines()
        if "max |onnx - torch|" in line
    }
    assert verdicts == {name: name == "decoder" for name in contract.GRAPH_NAMES}


def test_cli_accepts_an_existing_package_as_out(package, tmp_path):
    out = tmp_path / "karlo"
    shutil.copytree(package.out_dir, out)
    parser = build_parser()
    validate_args(parser, parser.parse_args(["--source", "some/model", "--out", str(out)]))  # no SystemExit
