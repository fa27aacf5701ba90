#!/usr/bin/python3
"""Clean renders of the toy world as PNGs plus index.json, for checking a package's variations on perfect
pictures (scripts/diagnose-toy-variations.ts) rather than on its own generated ones.

  /usr/bin/python3 training/render_pictures.py --out /tmp/renders                 # the 100 evaluation captions
  /usr/bin/python3 training/render_pictures.py --out /tmp/seen --set trained      # 100 trained triples instead
  /usr/bin/python3 training/render_pictures.py --out /tmp/deg --n 600 --degraded  # imperfect copies (data.degrade),
                                                                                  # 32 px upscaled to 64 as the pipeline does
Also the material for checking the evaluation's shape classifier (scripts/check-toy-classifier.ts).
"""
import argparse
import json
import os
import sys

import torch

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from toyshapes import data  # noqa: E402
from train import EVAL_SEED  # noqa: E402

RENDER_SEED = 4321


def write_renders(out: str, which: str = "eval", n: int = 100, degraded: bool = False) -> list:
    """The evaluation's captions (held-out triples, the same list as eval/eval_set.json; more than 100 continue
    that draw) or trained triples; degraded: imperfect copies (data.degrade) upscaled back to 64 px."""
    if which == "eval":  # the list is drawn whole (100, as train.write_eval_files does): a shorter draw differs
        attrs, caps = data.sample_dataset(max(n, 100), EVAL_SEED, held_out=True)
        attrs, caps = attrs[:n], caps[:n]
    else:
        attrs, caps = data.sample_dataset(n, EVAL_SEED + 1, held_out=False)
    os.makedirs(out, exist_ok=True)
    images = data.render(attrs, RENDER_SEED)
    if degraded:
        small = data.to_unit(data.degrade(images, RENDER_SEED + 1))
        images = ((data.upscale(small, 64) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    rows = []
    for i, (a, c, img) in enumerate(zip(attrs, caps, images)):
        file = os.path.join(os.path.abspath(out), f"{i}.png")
        Image.fromarray(img.permute(1, 2, 0).numpy()).save(file)
        rows.append({"file": file, "caption": c, "shape": data.SHAPES[a["shape"]], "colour": data.COLOUR_NAMES[a["colour"]],
                     "background": data.COLOUR_NAMES[a["bg"]]})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(rows, f, indent=1)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="folder for the PNGs and index.json")
    ap.add_argument("--set", choices=["eval", "trained"], default="eval", help="held-out evaluation captions or trained triples")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--degraded", action="store_true", help="imperfect copies (data.degrade) instead of clean renders")
    args = ap.parse_args()
    rows = write_renders(args.out, args.set, args.n, args.degraded)
    print(f"{len(rows)} renders in {os.path.abspath(args.out)}")


if __name__ == "__main__":
    main()
