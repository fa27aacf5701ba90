"""Command line: ``python export_karlo.py --source DIR_OR_HUB_ID --out models/karlo [...]``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import contract
from .fp16 import Fp16ConversionError
from .fp16_package import DEFAULT_KEEP_FLOAT32, Fp16PackageError, parse_keep_float32
from .loading import MissingDependency
from .loading import load_components as load_diffusers_components
from .onnx_io import EXTERNAL_MODES, ContractError
from .package import ExportOptions, PackageError, write_package
from .calibrate import CalibrationError
from .quantize_int8 import DEFAULT_COMPONENTS, int8_in_place
from .runners import BACKENDS, RunnerError, select_runner
from .verify import verify_package

PROG = "export_karlo.py"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _max_opset() -> int:
    try:
        from torch.onnx import _constants

        # torch 2 has a separate (lower) limit for the TorchScript exporter used here.
        for name in ("ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", "ONNX_MAX_OPSET"):
            if hasattr(_constants, name):
                return int(getattr(_constants, name))
        return 17
    except Exception:  # private module: fall back to what every supported torch can do
        return 17


def _looks_like_path(source: str) -> bool:
    if source.startswith((".", "/", "~")) or "\\" in source or os.path.isabs(source):
        return True
    return source.count("/") != 1  # hub ids are exactly "owner/name"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Export a diffusers unCLIP (Karlo) pipeline to the ONNX model package read by unCLIP Studio "
            "(layout and graph signatures: shared/fixtures/README.md §2-§3)."
        ),
    )
    parser.add_argument("--source", required=True, help="UnCLIPPipeline directory or hub id (kakaobrain/karlo-v1-alpha)")
    parser.add_argument("--out", required=True, help="package directory to write, e.g. models/karlo")
    parser.add_argument(
        "--variation-source",
        help="UnCLIPImageVariationPipeline directory or hub id for image_encoder and feature_extractor "
        "(default: kakaobrain/karlo-v1-alpha-image-variations for the Karlo hub id, else --source)",
    )
    parser.add_argument("--fp16", action="store_true", help="float16 weights and compute; inputs/outputs stay float32")
    parser.add_argument(
        "--fp16-keep-float32",
        metavar="LIST",
        help="with --fp16: components left float32 whole, comma-separated, or 'none' for every graph in fp16 "
        f"(default: {','.join(DEFAULT_KEEP_FLOAT32)}, the ones whose fp16 rounding alone moved the toy model's "
        "images by more than 0.05; `python3 -m unclip_export.fp16_drift … --budget` measures it for a package)",
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="then rewrite the prior, decoder and super-res graphs to int8 (static Conv calibrated on prompts, "
        "dynamic MatMul); normalisation, softmax, timestep embedding, first and last layers stay float32",
    )
    parser.add_argument("--opset", type=int, default=contract.DEFAULT_OPSET, help="ONNX opset (default 17)")
    parser.add_argument("--verify", action="store_true", help="compare every graph with torch; exit 1 on mismatch")
    parser.add_argument(
        "--external-data",
        choices=EXTERNAL_MODES,
        default="auto",
        help="save weights in model.onnx.data: auto (graphs over 1.8 GiB of tensors, e.g. the Karlo prior), always, never",
    )
    parser.add_argument("--verify-backend", choices=BACKENDS, default="auto", help="runtime used by --verify")
    parser.add_argument(
        "--tolerance",
        type=float,
        help="--verify limit: absolute for fp32 (default 1e-3), relative to max(1, |output|) for fp16 (default 5e-2)",
    )
    parser.add_argument("--revision", help="hub revision of --source")
    parser.add_argument("--local-files-only", action="store_true", help="do not try to download anything")
    parser.add_argument("--force", action="store_true", help="write into a non-empty --out that is not a package")
    return parser


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """parser.error (exit 2, usage + message) for arguments that cannot work."""
    if args.fp16 and args.int8:
        parser.error("--fp16 and --int8 cannot be combined: choose one precision (--fp16 for GPUs, --int8 for CPUs)")
    if args.fp16_keep_float32 is not None:
        if not args.fp16:
            parser.error("--fp16-keep-float32 only makes sense with --fp16")
        try:
            args.fp16_keep_float32 = parse_keep_float32(args.fp16_keep_float32)
        except Fp16PackageError as exc:
            parser.error(f"--fp16-keep-float32: {exc}")
    else:
        args.fp16_keep_float32 = DEFAULT_KEEP_FLOAT32
    max_opset = _max_opset()
    if not contract.MIN_OPSET <= args.opset <= max_opset:
        parser.error(f"--opset must be between {contract.MIN_OPSET} and {max_opset} (this torch's limit), got {args.opset}")
    for flag, value in (("--source", args.source), ("--variation-source", args.variation_source)):
        if value is None:
            continue
        if not value.strip():
            parser.error(f"{flag} is empty")
        if _looks_like_path(value) and not Path(value).expanduser().is_dir():
            parser.error(f"{flag} {value!r} is not a directory (and not a hub id of the form owner/name)")
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        parser.error(f"--out {args.out!r} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / contract.MODEL_INDEX_FILE).exists() and not args.force:
        parser.error(f"--out {args.out!r} is not empty and holds no model package; pass --force to write into it")
    if args.tolerance is not None and not args.tolerance > 0:
        parser.error(f"--tolerance must be positive, got {args.tolerance}")
    if args.verify_backend != "auto" and not args.verify:
        parser.error("--verify-backend only makes sense with --verify")


def main(argv: Optional[Sequence[str]] = None, load_components: Optional[Callable] = None) -> int:
    """Entry point. ``load_components(source, variation_source, revision=, local_files_only=, log=)``
    defaults to loading the diffusers pipelines (loading.load_components)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    validate_args(parser, args)

    def log(message: str) -> None:
        print(message, flush=True)

    def fail(message: str, code: int = EXIT_FAILED) -> int:
        print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
        return code

    runner = None
    int8_runner = None
    if args.int8:
        # calibration runs the float32 graphs: check for a runtime before the (long) export
        try:
            int8_runner = select_runner("auto", log=log)
        except RunnerError as exc:
            return fail(f"--int8 needs onnxruntime to calibrate: {exc}", EXIT_USAGE)
        if int8_runner.name == "onnx reference evaluator":
            return fail("--int8 needs onnxruntime (Python) or onnxruntime-node (npm ci in the repository) to calibrate", EXIT_USAGE)
    if args.verify:
        # Before the (long) export: a missing runtime should not be discovered at the end.
        try:
            runner = select_runner(args.verify_backend, log=log)
        except RunnerError as exc:
            return fail(f"{exc}; install onnxruntime (pip install -r python/requirements.txt)", EXIT_USAGE)

    load_components = load_components or load_diffusers_components
    try:
        components = load_components(
            args.source,
            args.variation_source,
            revision=args.revision,
            local_files_only=args.local_files_only,
            log=log,
        )
    except MissingDependency as exc:
        return fail(str(exc), EXIT_USAGE)

    options = ExportOptions(
        opset=args.opset, fp16=args.fp16, fp16_keep_float32=args.fp16_keep_float32, external_data=args.external_data
    )
    out = Path(args.out).expanduser()
    try:
        result = write_package(components, out, options, log=log)
    except (ContractError, PackageError, Fp16ConversionError) as exc:
        return fail(str(exc))
    for note in result.notes:
        log(f"note: {note}")
    if args.fp16:
        log(
            f"fp16: kept in float32 whole: {', '.join(args.fp16_keep_float32) or 'no component'} "
            "(--fp16-keep-float32); in the fp16 graphs, float32: every graph input and output (the consumer contract), the sidecars "
            "(prior clip_mean/clip_std used by the prior's post-processing, the learned guidance embedding), "
            "the timestep/mask preambles, normalisation/exp/log/sin/cos ops with GroupNorm's reshapes, embedding "
            "lookups, each graph's input and output layer (per graph above); "
            "`python3 -m unclip_export.fp16_drift FLOAT32_PKG FP16_PKG` measures the drift"
        )
    log(f"wrote {len(result.files)} files to {out}")

    if int8_runner is not None:
        # --verify compares with torch at float32's tolerance; int8 graphs differ from torch by design,
        # so with both flags the float32 graphs are verified before they are rewritten
        if runner is not None:
            log(f"verifying the float32 graphs against torch with {runner.name} before the int8 rewrite ...")
            report = verify_package(out, components, runner, fp16=False, tolerance=args.tolerance, log=log)
            if not report.ok:
                return fail(f"verification FAILED for {', '.join(report.failed)} (see the lines above)")
            log("verification passed")
            runner = None
        log(f"int8: calibrating on prompts and rewriting with {int8_runner.name} ...")
        verified = args.verify
        with tempfile.TemporaryDirectory(prefix=".float32-", dir=str(out)) as scratch:
            if verified:
                # the float32 graphs, kept until the int8 ones are compared with them on held-out prompts
                for name in DEFAULT_COMPONENTS:
                    shutil.copytree(out / name, Path(scratch) / name)
            try:
                reports = int8_in_place(out, int8_runner, tokenizer=components.tokenizer, log=log, drift_against=Path(scratch) if verified else None)
            except (CalibrationError, RunnerError, ValueError) as exc:
                return fail(f"--int8: {exc}")
        log(
            "int8: kept in float32: every graph input and output, the sidecars, text_encoder, text_proj and image_encoder, "
            "and in the rewritten graphs normalisation, softmax and attention scores, the timestep embedding and "
            "per-block timestep projections, the first and last layers ("
            + "; ".join(f"{name}: {r.summary()}" for name, r in reports.items())
            + ")"
        )

    if runner is not None:
        log(f"verifying against torch with {runner.name} ...")
        report = verify_package(
            out, components, runner, fp16=args.fp16, keep_float32=args.fp16_keep_float32, tolerance=args.tolerance, log=log
        )
        if not report.ok:
            return fail(f"verification FAILED for {', '.join(report.failed)} (see the lines above)")
        log("verification passed")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
