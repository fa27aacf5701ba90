"""Which components an ``--fp16`` package converts, and converting an existing float32 package.

``--fp16`` converts each graph with fp16.py's rules; this module decides *which* graphs. Measured with
``fp16_drift --isolate`` (only one stage's graph in fp16, every other float32) on the trained toy
package (models/toy-shapes, ten captions, decoder guidance 8; python/README.md "fp16 drift report"),
image drift max in [0, 1]: prior 0.18, text_proj 0.25, decoder 1.0, super_res_first 0.00016,
super_res_last 0.00034. The conditioning stages and the decoder cannot be fixed by keeping more op
types float32: their fp16 rounding (≈5e-4 relative) is what the pipeline amplifies (the decoder's ε
error ×150 in x0 = (x − √(1−ᾱ)·ε)/√ᾱ at t = 999 and ×8 by guidance; the float32 toy pipeline itself
moves its image by 0.13 when its text embeddings move by 1e-4, ``--sensitivity``). So they stay
float32 as whole components (``DEFAULT_KEEP_FLOAT32``), and ``fp16_drift --budget`` recommends the set
for another package or budget.

``python3 -m unclip_export.fp16_package FLOAT32_PKG --out DIR [--keep-float32 LIST]`` (from ``python/``)
writes a copy of a float32 package with the other graphs converted (the exporter's ``--fp16`` without
re-exporting from torch), each component's precision recorded in its ``config.json``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple

import onnx

from .contract import EXTERNAL_DATA_FILE, GRAPH_NAMES, MODEL_FILE, MODEL_INDEX_FILE
from .fp16 import KEEP_FP32_OPS, Fp16ConversionError, Fp16Report, convert_to_fp16
from .quantize_int8 import _save as save_graph  # inline, or external data over protobuf's limit
from .quantize_int8 import record_precision

# Kept float32 by ``--fp16`` unless ``--fp16-keep-float32`` says otherwise (module docstring: measured).
# text_encoder and image_encoder are not in the toy measurement (the toy text encoder's If node is not
# converted; the report samples text → image): they are kept because their outputs feed the same
# conditioning path as the prior's, whose fp16 rounding alone moved the image by 0.18, and a 1e-4
# change there moves the float32 toy image by 0.13.
DEFAULT_KEEP_FLOAT32: Tuple[str, ...] = ("text_encoder", "prior", "text_proj", "decoder", "image_encoder")
NONE = "none"  # --fp16-keep-float32 none: every graph in fp16


class Fp16PackageError(ValueError):
    pass


def parse_keep_float32(text: str) -> Tuple[str, ...]:
    """``"prior,decoder"`` → ("prior", "decoder") in package order; ``"none"`` → (). Unknown or repeated
    names are an error naming them and the valid ones."""
    names = [part.strip() for part in text.split(",")]
    if names == [NONE]:
        return ()
    if any(not name for name in names):
        raise Fp16PackageError(
            f"empty component name in {text!r}; give a comma-separated list of {', '.join(GRAPH_NAMES)} or {NONE!r}"
        )
    unknown = [name for name in names if name not in GRAPH_NAMES]
    if unknown:
        raise Fp16PackageError(
            f"unknown component {', '.join(map(repr, unknown))}; choose from {', '.join(GRAPH_NAMES)} (or {NONE!r})"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Fp16PackageError(f"component {', '.join(map(repr, repeated))} named twice in {text!r}")
    return tuple(name for name in GRAPH_NAMES if name in names)


def precisions(keep_float32: Iterable[str]) -> Dict[str, str]:
    """The package contract's precision record of an ``--fp16`` package: float32 for the kept graphs."""
    keep = set(keep_float32)
    return {name: "float32" if name in keep else "float16" for name in GRAPH_NAMES}


def convert_graph(src: Path, dst: Path, keep_op_types: Iterable[str] = KEEP_FP32_OPS, **options) -> Fp16Report:
    """``src`` converted by ``convert_to_fp16(model, keep_op_types, **options)`` into ``dst``."""
    model = onnx.load(str(src))  # with its external data, if any
    model, report = convert_to_fp16(model, keep_op_types, **options)
    dst.parent.mkdir(parents=True, exist_ok=True)
    save_graph(model, dst)
    return report


def convert_package(
    f32_pkg: Path,
    out: Path,
    keep_float32: Iterable[str] = DEFAULT_KEEP_FLOAT32,
    keep_op_types: Iterable[str] = KEEP_FP32_OPS,
    log: Callable[[str], None] = lambda _m: None,
) -> Dict[str, Fp16Report]:
    """A copy of the float32 package ``f32_pkg`` in ``out`` (new or empty) with every graph not in
    ``keep_float32`` converted to fp16 (keeping ``keep_op_types`` float32 inside it) and every graph's
    precision recorded. Kept graphs are copied byte for byte."""
    f32_pkg, out = Path(f32_pkg), Path(out)
    keep = set(keep_float32)
    if not (f32_pkg / MODEL_INDEX_FILE).is_file():
        raise Fp16PackageError(f"{f32_pkg}: not a model package (no {MODEL_INDEX_FILE})")
    if out.exists() and any(out.iterdir()):
        raise Fp16PackageError(f"{out}: exists and is not empty")
    shutil.copytree(f32_pkg, out, ignore=shutil.ignore_patterns(MODEL_FILE, EXTERNAL_DATA_FILE), dirs_exist_ok=True)
    reports: Dict[str, Fp16Report] = {}
    for name in GRAPH_NAMES:
        src = f32_pkg / name / MODEL_FILE
        if not src.is_file():
            continue  # a package without this component (e.g. no image_encoder)
        if name in keep:
            for file in (MODEL_FILE, EXTERNAL_DATA_FILE):
                if (f32_pkg / name / file).is_file():
                    shutil.copy2(f32_pkg / name / file, out / name / file)
            log(f"  {name}: kept float32")
            continue
        try:
            reports[name] = convert_graph(src, out / name / MODEL_FILE, keep_op_types)
        except Fp16ConversionError as exc:
            raise Fp16PackageError(f"{name}: {exc}; list {name} in --keep-float32 to keep it float32") from exc
        log(f"  {name} fp16: {reports[name].summary()}")
    record_precision(out, precisions(keep))
    return reports


def package_megabytes(pkg: Path) -> float:
    """Size of the package's graphs (model.onnx and external data) in MB (10⁶ bytes)."""
    files = [Path(pkg) / name / f for name in GRAPH_NAMES for f in (MODEL_FILE, EXTERNAL_DATA_FILE)]
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m unclip_export.fp16_package", description=__doc__.split("\n\n")[0])
    parser.add_argument("float32_package", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="new (or empty) package directory")
    parser.add_argument(
        "--keep-float32",
        default=",".join(DEFAULT_KEEP_FLOAT32),
        metavar="LIST",
        help=f"comma-separated components left float32, or {NONE!r} (default: %(default)s, as the exporter's --fp16)",
    )
    args = parser.parse_args(argv)
    try:
        keep = parse_keep_float32(args.keep_float32)
    except Fp16PackageError as exc:
        parser.error(f"--keep-float32: {exc}")
    try:
        convert_package(args.float32_package, args.out, keep, log=print)
    except Fp16PackageError as exc:
        print(f"fp16_package: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: graphs {package_megabytes(args.out):.1f} MB (float32 {package_megabytes(args.float32_package):.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
