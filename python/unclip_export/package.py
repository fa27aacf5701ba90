"""Write a complete model package (layout: contract.package_files) from loaded components."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

from . import contract
from .contract import (
    CONFIG_FILE,
    GRAPH_NAMES,
    MODEL_INDEX_FILE,
    PREPROCESSOR_CONFIG_FILE,
    SCHEDULER_NAMES,
    SIDECARS,
    TOKENIZER_FILES,
    VARIATION_ONLY_COMPONENTS,
)
from .onnx_io import DEFAULT_EXTERNAL_THRESHOLD, ExportedGraph, export_graph
from .fp16_package import DEFAULT_KEEP_FLOAT32, precisions
from .quantize_int8 import record_precision
from .wrappers import wrap

# Provenance keys that record where a model was loaded from (often a local path); not model description.
_SCRUBBED_KEYS = ("_name_or_path",)


class PackageError(RuntimeError):
    pass


@dataclass
class Components:
    """Everything a package is made of. Modules must be float32 and on the CPU."""

    tokenizer: Any
    text_encoder: torch.nn.Module
    prior: torch.nn.Module
    text_proj: torch.nn.Module
    decoder: torch.nn.Module
    super_res_first: torch.nn.Module
    super_res_last: torch.nn.Module
    prior_scheduler: Any
    decoder_scheduler: Any
    super_res_scheduler: Any
    image_encoder: torch.nn.Module
    feature_extractor: Any
    model_index: Dict[str, Any]


@dataclass
class ExportOptions:
    opset: int = contract.DEFAULT_OPSET
    fp16: bool = False
    # with fp16: graphs left float32 whole (fp16_package.py: the measured default; () converts all)
    fp16_keep_float32: Tuple[str, ...] = DEFAULT_KEEP_FLOAT32
    external_data: str = "auto"
    external_threshold: int = DEFAULT_EXTERNAL_THRESHOLD
    seed: int = 0


@dataclass
class PackageResult:
    out_dir: Path
    graphs: Dict[str, ExportedGraph]
    files: List[str]
    notes: List[str] = field(default_factory=list)


def json_text(data: Mapping[str, Any]) -> str:
    """The JSON formatting diffusers and transformers use for every config file."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def build_model_index(
    pipeline_config: Mapping[str, Any], variation_config: Mapping[str, Any], diffusers_version: str
) -> Dict[str, Any]:
    """UnCLIPPipeline's model_index plus the image-variation-only entries (one package, both pipelines)."""

    def entries(config: Mapping[str, Any]) -> Dict[str, List[Any]]:
        return {
            key: list(value)
            for key, value in config.items()
            if not key.startswith("_") and isinstance(value, (list, tuple)) and len(value) == 2
        }

    index: Dict[str, Any] = entries(pipeline_config)
    variation = entries(variation_config)
    for name in VARIATION_ONLY_COMPONENTS:
        if name not in variation:
            raise PackageError(f"the image variation pipeline has no {name!r} component")
        index[name] = variation[name]
    wanted = set(GRAPH_NAMES) | set(SCHEDULER_NAMES) | {"tokenizer", "feature_extractor"}
    missing = sorted(wanted - set(index))
    if missing:
        raise PackageError(f"model_index: missing components {missing}")
    index["_class_name"] = "UnCLIPPipeline"
    index["_diffusers_version"] = diffusers_version
    return index


def _copy_saved(save: Callable[[str], Any], target: Path, wanted: Sequence[str], what: str) -> List[str]:
    """Run a library's save function into a scratch folder and keep only the package's files.

    Returns the names it wrote that are not part of the package (e.g. tokenizer.json, added_tokens.json).
    """
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".save-", dir=str(target)) as scratch:
        save(scratch)
        written = {p.name for p in Path(scratch).iterdir()}
        for name in wanted:
            if name not in written:
                raise PackageError(f"{what}: save did not write {name} (it wrote {sorted(written)})")
            dest = target / name
            shutil.copyfile(Path(scratch) / name, dest)
            if name.endswith(".json") and what != "tokenizer":
                _scrub(dest)
        return sorted(written - set(wanted))


def _scrub(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and any(k in data for k in _SCRUBBED_KEYS):
        for key in _SCRUBBED_KEYS:
            data.pop(key, None)
        path.write_text(json_text(data), encoding="utf-8")


def save_module_config(module: Any, target: Path, what: str) -> List[str]:
    """config.json exactly as the library's save_pretrained writes it (weights are not saved)."""
    if hasattr(module, "save_config"):  # diffusers ConfigMixin (models and schedulers)
        filename = getattr(module, "config_name", CONFIG_FILE)
        return _copy_saved(module.save_config, target, [filename], what)
    config = getattr(module, "config", None)
    if config is not None and hasattr(config, "save_pretrained"):  # transformers PretrainedConfig
        if hasattr(config, "architectures"):
            # transformers' model.save_pretrained records the model class here before saving.
            config.architectures = [type(module).__name__]
        return _copy_saved(config.save_pretrained, target, [CONFIG_FILE], what)
    raise PackageError(f"{what}: don't know how to save the config of {type(module).__name__}")


def _sidecar_array(module: torch.nn.Module, name: str) -> np.ndarray:
    tensor = getattr(module, name, None)
    if not isinstance(tensor, torch.Tensor):
        raise PackageError(f"{type(module).__name__} has no tensor {name!r}")
    return tensor.detach().to(device="cpu", dtype=torch.float32).numpy()


def write_sidecars(components: Components, out_dir: Path, specs: Mapping[str, contract.GraphSpec]) -> None:
    """clip_mean/clip_std [1, D] and the learned CFG embedding [D], always float32."""
    dim = specs["prior"].outputs[0].shape[0]
    expected = {
        ("prior", "clip_mean"): (1, dim),
        ("prior", "clip_std"): (1, dim),
        ("text_proj", "learned_classifier_free_guidance_embeddings"): specs["text_proj"].inputs[0].shape,
    }
    for component, names in SIDECARS.items():
        module = getattr(components, component)
        for name in names:
            array = _sidecar_array(module, name)
            want = tuple(expected[(component, name)])
            if array.shape != want:
                raise PackageError(f"{component}.{name} has shape {array.shape}, expected {want}")
            np.save(out_dir / component / f"{name}.npy", np.ascontiguousarray(array, dtype=np.float32))


def write_package(
    components: Components,
    out_dir: Path,
    options: Optional[ExportOptions] = None,
    log: Callable[[str], None] = print,
) -> PackageResult:
    options = options or ExportOptions()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = contract.build_graph_specs(components)
    notes: List[str] = []

    (out_dir / MODEL_INDEX_FILE).write_text(json_text(components.model_index), encoding="utf-8")

    extra = _copy_saved(components.tokenizer.save_pretrained, out_dir / "tokenizer", TOKENIZER_FILES, "tokenizer")
    if extra:
        notes.append(f"tokenizer: not copied into the package: {', '.join(extra)}")

    graphs: Dict[str, ExportedGraph] = {}
    for name in GRAPH_NAMES:
        module = getattr(components, name)
        target = out_dir / name
        save_module_config(module, target, name)
        log(f"exporting {name} ...")
        exported = export_graph(
            name,
            wrap(name, module),
            specs[name],
            target,
            opset=options.opset,
            fp16=options.fp16 and name not in options.fp16_keep_float32,
            external_data=options.external_data,
            external_threshold=options.external_threshold,
            seed=options.seed,
        )
        graphs[name] = exported
        notes.extend(exported.notes)
        where = "model.onnx + model.onnx.data" if exported.external_data else "model.onnx"
        log(f"  {name}: {where} ({exported.tensor_bytes / 2**20:.1f} MiB of tensors)")
        if exported.fp16 is not None:
            log(f"  {name} fp16: {exported.fp16.summary()}")

    write_sidecars(components, out_dir, specs)
    if options.fp16:
        # the package contract's precision record; float32 writes none (absent = float32), so a float32
        # export stays byte-identical to save_pretrained's configs
        record_precision(out_dir, precisions(options.fp16_keep_float32))

    for name in SCHEDULER_NAMES:
        extra = save_module_config(getattr(components, name), out_dir / name, name)
        if extra:
            notes.append(f"{name}: not copied: {', '.join(extra)}")

    extra = _copy_saved(
        components.feature_extractor.save_pretrained,
        out_dir / "feature_extractor",
        [PREPROCESSOR_CONFIG_FILE],
        "feature_extractor",
    )
    if extra:
        notes.append(f"feature_extractor: not copied: {', '.join(extra)}")

    external = [name for name, g in graphs.items() if g.external_data]
    files = list_package_files(out_dir)
    expected = list(contract.package_files(external))
    missing = sorted(set(expected) - set(files))
    if missing:
        raise PackageError(f"package is missing {missing}")
    unexpected = sorted(set(files) - set(expected))
    if unexpected:
        notes.append(f"files in {out_dir} that are not part of the package: {', '.join(unexpected)}")
    return PackageResult(out_dir, graphs, files, notes)


def list_package_files(out_dir: Path) -> List[str]:
    out_dir = Path(out_dir)
    return sorted(str(p.relative_to(out_dir)).replace("\\", "/") for p in out_dir.rglob("*") if p.is_file())
