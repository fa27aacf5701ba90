"""The toy-shapes training's data helpers and learning-rate schedule (no training here: the smoke run covers that)."""
import math
import random
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toyshapes import data  # noqa: E402
from train import lr_at  # noqa: E402


def test_swap_shape_names_the_other_shape_in_every_template():
    rng = random.Random(3)
    attrs, caps = data.sample_dataset(3000, 11)
    for a, c in zip(attrs, caps):
        other = (a["shape"] + rng.randrange(1, len(data.SHAPES))) % len(data.SHAPES)
        swapped = data.swap_shape(c, a, other)
        words = swapped.split()
        assert data.SHAPES[other] in words, (c, swapped)
        assert data.SHAPES[a["shape"]] not in words, (c, swapped)
        assert swapped.replace(data.SHAPES[other], data.SHAPES[a["shape"]]) == c


def test_degrade_is_seeded_and_keeps_the_picture_recognisable():
    attrs, caps, x64, x32 = data.make_split(24, 5)
    a, b = data.degrade(x64, 9), data.degrade(x64, 9)
    assert a.shape == x32.shape and a.dtype == torch.uint8
    assert torch.equal(a, b)
    assert not torch.equal(a, data.degrade(x64, 10))
    diff = (a.float() - x32.float()).abs().mean(dim=(1, 2, 3))
    assert diff.min() > 0.2, "every copy is changed"
    assert diff.max() < 25, "but stays close to its picture"
    # the shape's colour survives: the same foreground palette entry in the copy as in the clean render
    same = [data.foreground_colour(x.permute(1, 2, 0).numpy()) == data.foreground_colour(y.permute(1, 2, 0).numpy()) for x, y in zip(a, x32)]
    assert sum(same) >= 22


def test_learning_rate_warms_up_holds_then_decays_to_the_floor():
    its = 1000
    assert lr_at(0, 1e-3, warmup=100, its=its, decay_from=0.5) == 1e-5
    assert math.isclose(lr_at(300, 1e-3, warmup=100, its=its, decay_from=0.5), 1e-3)
    assert math.isclose(lr_at(500, 1e-3, warmup=100, its=its, decay_from=0.5), 1e-3)
    mid = lr_at(750, 1e-3, warmup=100, its=its, decay_from=0.5)
    assert math.isclose(mid, 1e-3 * (0.02 + 0.98 * 0.5), rel_tol=1e-6)
    assert math.isclose(lr_at(its, 1e-3, warmup=100, its=its, decay_from=0.5), 2e-5, rel_tol=1e-6)
    values = [lr_at(s, 1e-3, its=its, decay_from=0.5) for s in range(500, its + 1)]
    assert all(x >= y for x, y in zip(values, values[1:]))
    # without decay_from the rate stays constant after warm-up
    assert lr_at(999, 1e-3, its=its) == 1e-3
