#!/usr/bin/python3
"""Clean renders of the toy world as PNGs plus index.json, for checking a package's variations on perfect
pictures (scripts/diagnose-toy-variations.ts) rather than on its own generated ones.

  /usr/bin/python3 training/render_pictures.py --out /tmp/renders                 # the 100 evaluation captions
  /usr/bin/python3 training/render_pictures.py --out /tmp/seen --set trained      # 100 trained triples instead
"""
import argparse
import json
import os
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from toyshapes import data  # noqa: E402
from train import EVAL_SEED  # noqa: E402

RENDER_SEED = 4321


def write_renders(out: str, which: str = "eval", n: int = 100) -> list:
    """The evaluation's captions (held-out triples, the same list as eval/eval_set.json) or trained triples."""
    if which == "eval":  # the list is drawn whole (100, as train.write_eval_files does): a shorter draw differs
        attrs, caps = data.sample_dataset(max(n, 100), EVAL_SEED, held_out=True)
        attrs, caps = attrs[:n], caps[:n]
    else:
        attrs, caps = data.sample_dataset(n, EVAL_SEED + 1, held_out=False)
    os.makedirs(out, exist_ok=True)
    rows = []
    for i, (a, c, img) in enumerate(zip(attrs, caps, data.render(attrs, RENDER_SEED))):
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
    args = ap.parse_args()
    rows = write_renders(args.out, args.set, args.n)
    print(f"{len(rows)} renders in {os.path.abspath(args.out)}")


if __name__ == "__main__":
    main()
