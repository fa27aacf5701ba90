"""The diffusers-dependent loader: the parts that can run without diffusers."""

from __future__ import annotations

import importlib.util

import pytest

from unclip_export.loading import (
    KARLO_IMAGE_VARIATION,
    KARLO_TEXT_TO_IMAGE,
    MissingDependency,
    _version_tuple,
    default_variation_source,
    load_components,
)


def test_default_variation_source():
    assert default_variation_source(KARLO_TEXT_TO_IMAGE) == KARLO_IMAGE_VARIATION
    assert default_variation_source(KARLO_TEXT_TO_IMAGE + "/") == KARLO_IMAGE_VARIATION
    assert default_variation_source("/models/my-unclip") == "/models/my-unclip"


def test_version_tuple():
    assert _version_tuple("0.23.1") == (0, 23)
    assert _version_tuple("0.33.0.dev0") == (0, 33)
    assert _version_tuple("1.0rc1") == (1, 0)


@pytest.mark.skipif(importlib.util.find_spec("diffusers") is not None, reason="diffusers is installed here")
def test_missing_diffusers():
    with pytest.raises(MissingDependency, match="pip install -r python/requirements.txt"):
        load_components(KARLO_TEXT_TO_IMAGE, log=lambda _m: None)
