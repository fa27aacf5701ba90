"""Shared fixtures: stand-in components, exported packages (built once per session) and an ONNX runner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import torch  # noqa: E402

torch.set_num_threads(1)  # the test machines have 2 shared cores

from components import PRIOR_EXTERNAL, SHARED_FIXTURES, TINY_PACKAGE, build_components, fixture_configs  # noqa: E402
from unclip_export.package import ExportOptions, write_package  # noqa: E402
from unclip_export.runners import NodeRunner, OnnxruntimeRunner, ReferenceRunner, RunnerError  # noqa: E402

SHARED_MISSING = (
    f"shared fixtures not found at {SHARED_FIXTURES} (the repository's ../shared); "
    "tests that compare with unclip-tiny are skipped"
)


def _quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="session")
def runner():
    """onnxruntime (Python) if installed, else onnxruntime-node, else onnx's reference evaluator."""
    reasons = []
    for factory in (OnnxruntimeRunner, NodeRunner, ReferenceRunner):
        try:
            return factory()
        except (ImportError, RunnerError) as exc:
            reasons.append(f"{factory.name}: {exc}")
    pytest.skip("no ONNX runtime to check exported graphs with: " + "; ".join(reasons))


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not TINY_PACKAGE.is_dir():
        pytest.skip(SHARED_MISSING)
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def prior_external_fixture(shared_fixtures) -> Path:
    if not PRIOR_EXTERNAL.is_dir():
        pytest.skip(f"{PRIOR_EXTERNAL} not found")
    return PRIOR_EXTERNAL


@pytest.fixture(scope="session")
def components():
    return build_components()


@pytest.fixture(scope="session")
def package(components, tmp_path_factory):
    out = tmp_path_factory.mktemp("package") / "karlo"
    return write_package(components, out, ExportOptions(), log=_quiet)


@pytest.fixture(scope="session")
def fp16_package(components, tmp_path_factory):
    """Every graph in fp16 (none kept float32 whole): what the converter does to each graph."""
    out = tmp_path_factory.mktemp("package-fp16") / "karlo"
    return write_package(components, out, ExportOptions(fp16=True, fp16_keep_float32=()), log=_quiet)


@pytest.fixture(scope="session")
def fixture_components(shared_fixtures):
    """Stand-ins built from unclip-tiny's own config files and tokenizer."""
    return build_components(fixture_configs(TINY_PACKAGE), tokenizer_dir=TINY_PACKAGE / "tokenizer")


@pytest.fixture(scope="session")
def fixture_like_package(fixture_components, tmp_path_factory):
    out = tmp_path_factory.mktemp("package-tiny") / "karlo"
    return write_package(fixture_components, out, ExportOptions(), log=_quiet)
