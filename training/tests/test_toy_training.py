"""The toy-shapes training's data helpers, decoder wiring and learning-rate schedule (no training here: the smoke run covers that)."""
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toyshapes import data, models  # noqa: E402
from train import lr_at  # noqa: E402
from render_pictures import write_renders  # noqa: E402


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


def test_swap_colours_exchanges_the_two_colour_roles_in_every_template():
    attrs, caps = data.sample_dataset(3000, 12)
    for a, c in zip(attrs, caps):
        colour, bg = data.COLOUR_NAMES[a["colour"]], data.COLOUR_NAMES[a["bg"]]
        swapped = data.swap_colours(c, a)
        before, after = c.split(" "), swapped.split(" ")
        assert len(before) == len(after) and swapped != c
        for w, v in zip(before, after):  # every colour word changes role, every other word stays
            assert v == {colour: bg, bg: colour}.get(w, w), (c, swapped)
        assert (f"{bg} background" in c) == (f"{colour} background" in swapped)


def test_fill_partners_are_circle_and_ring_only():
    assert {data.SHAPES[k]: data.SHAPES[v] for k, v in data.FILL_PARTNER.items()} == {"circle": "ring", "ring": "circle"}


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


def test_decoder_context_attention_levels_follow_the_mask_and_leave_the_shipped_layout_alone():
    torch.manual_seed(0)
    plain = models.Decoder((8, 16, 32), cross=16)
    assert not any("_attn." in k and not k.startswith("mid_attn") for k in plain.state_dict()), "no extra blocks by default"
    dec = models.Decoder((8, 16, 32), cross=16, attn_levels=(1,)).eval()
    assert {k.split(".")[0] for k in dec.state_dict() if k.split(".")[0] in ("down_attn", "up_attn")} == {"down_attn", "up_attn"}
    x, t, add = torch.randn(2, 3, 16, 16), torch.tensor([10, 900]), torch.randn(2, 32)
    ctx = torch.randn(2, 6, 16)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0]] * 2, dtype=torch.bool)
    other = ctx.clone()
    other[:, 4:] = torch.randn(2, 2, 16) * 10  # masked tokens: must change nothing
    with torch.no_grad():
        base = dec(x, t, ctx, add, mask)
        assert torch.allclose(base, dec(x, t, other, add, mask), atol=1e-5)
        # with the middle block's attention removed, the 16x16 blocks alone still carry the context
        dec.mid_attn.forward = lambda h, c, b: h
        changed = ctx.clone()
        changed[:, :4] = torch.randn(2, 4, 16)
        assert not torch.allclose(dec(x, t, ctx, add, mask), dec(x, t, changed, add, mask), atol=1e-4)


def test_renders_of_the_evaluation_captions_match_the_committed_list(tmp_path):
    rows = write_renders(str(tmp_path), "eval", 6)
    committed = json.loads((Path(__file__).resolve().parents[1] / "eval" / "eval_set.json").read_text())["captions"]
    assert [r["caption"] for r in rows] == [c["caption"] for c in committed[:6]]
    assert json.loads((tmp_path / "index.json").read_text()) == rows
    for r in rows:
        img = Image.open(r["file"])
        assert img.size == (64, 64) and img.mode == "RGB"
        assert data.COLOUR_NAMES[data.foreground_colour(np.asarray(img))] == r["colour"]
    triple = lambda r: (data.SHAPES.index(r["shape"]), data.COLOUR_NAMES.index(r["colour"]), data.COLOUR_NAMES.index(r["background"]))
    assert all(data.is_held_out(*triple(r)) for r in rows)
    assert not any(data.is_held_out(*triple(r)) for r in write_renders(str(tmp_path / "trained"), "trained", 6))


def test_classifier_batches_are_seeded_cover_any_colours_and_keep_the_shape_label():
    def batch(seed, n=48):
        return data.classifier_batch(n, random.Random(seed), torch.Generator().manual_seed(seed))

    shapes, x = batch(4)
    assert x.shape == (48, 3, 64, 64) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    again = batch(4)
    assert torch.equal(shapes, again[0]) and torch.equal(x, again[1])
    assert not torch.equal(x, batch(5)[1])
    assert set(shapes.tolist()) == set(range(len(data.SHAPES)))
    # colours beyond the palette: border pixels far from all eight palette colours in some pictures
    palette = torch.tensor(list(data.COLOURS.values()), dtype=torch.float32) / 255
    corner = x[:, :, 0, 0]
    far = torch.cdist(corner, palette).min(1).values > 0.25
    assert far.sum() >= 5


def test_degraded_renders_are_the_same_captions_made_imperfect(tmp_path):
    clean = write_renders(str(tmp_path / "clean"), "eval", 4)
    rough = write_renders(str(tmp_path / "rough"), "eval", 4, degraded=True)
    assert [r["caption"] for r in rough] == [r["caption"] for r in clean]
    for a, b in zip(clean, rough):
        x, y = np.asarray(Image.open(a["file"])).astype(float), np.asarray(Image.open(b["file"])).astype(float)
        assert y.shape == (64, 64, 3)
        assert 0.2 < np.abs(x - y).mean() < 25
        assert data.COLOUR_NAMES[data.foreground_colour(y.astype(np.uint8))] == b["colour"]
