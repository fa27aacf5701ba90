"""Export one wrapped module to ONNX, make its declared signature match the contract, and save it.

Saving decides between a single ``model.onnx`` and ``model.onnx`` + ``model.onnx.data`` (ONNX external
data, all tensors in one file): protobuf cannot serialise a message over 2 GiB, and the Karlo prior
alone has ~1 B float32 parameters (~4 GB).
"""

from __future__ import annotations

import inspect
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import onnx
import torch

from . import contract
from .contract import BATCH_AXIS, EXTERNAL_DATA_FILE, MODEL_FILE, GraphSpec
from .fp16 import Fp16Report, convert_to_fp16
from .symbolics import repeat_interleave_lowering
from .wrappers import run_torch

PROTOBUF_LIMIT = 2**31  # bytes; protobuf refuses to serialise anything larger
# Above this much tensor data a graph is saved with external data. The margin leaves room for the
# graph structure and constants that stay inline.
DEFAULT_EXTERNAL_THRESHOLD = int(1.8 * 2**30)
EXTERNAL_MODES = ("auto", "always", "never")
TRACE_BATCH = 2  # trace with batch 2 so that no size-1 broadcasting gets specialised into the graph

_ITEMSIZE = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}


class ContractError(RuntimeError):
    """An exported graph does not have the signature the model package requires."""


@dataclass
class ExportedGraph:
    name: str
    path: Path
    external_data: bool
    tensor_bytes: int
    fp16: Optional[Fp16Report] = None
    notes: List[str] = field(default_factory=list)


def tensor_bytes(model: onnx.ModelProto) -> int:
    """Bytes of tensor data in a model: initializers plus Constant node tensors."""

    def nbytes(t: onnx.TensorProto) -> int:
        if t.raw_data:
            return len(t.raw_data)
        if t.data_location == onnx.TensorProto.EXTERNAL:
            for entry in t.external_data:
                if entry.key == "length":
                    return int(entry.value)
        return int(np.prod(t.dims, dtype=np.int64)) * _ITEMSIZE.get(t.data_type, 8)

    total = sum(nbytes(t) for t in model.graph.initializer)
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                total += nbytes(attr.t)
    return total


def use_external_data(mode: str, nbytes: int, threshold: int = DEFAULT_EXTERNAL_THRESHOLD) -> bool:
    if mode not in EXTERNAL_MODES:
        raise ValueError(f"external data mode must be one of {EXTERNAL_MODES}, got {mode!r}")
    if mode == "always":
        return True
    if mode == "never":
        if nbytes >= PROTOBUF_LIMIT:
            raise ContractError(
                f"the graph holds {nbytes / 2**30:.2f} GiB of tensors, over protobuf's 2 GiB limit: "
                "it must be saved with external data (use --external-data auto or always)"
            )
        return False
    return nbytes > threshold


def torch_export(wrapper: torch.nn.Module, spec: GraphSpec, feeds: Dict[str, np.ndarray], path: Path, opset: int):
    """torch.onnx.export (TorchScript exporter) with the contract's names and dynamic batch axis."""
    args = tuple(torch.from_numpy(feeds[name].copy()) for name in spec.input_names)
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # newer torch defaults to the dynamo exporter; this code targets TorchScript
    with warnings.catch_warnings():
        # Tracer warnings are about Python control flow on shapes (diffusers' asserts); they are expected.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", module=r"torch\.onnx")
        with repeat_interleave_lowering(opset), torch.no_grad():
            torch.onnx.export(
                wrapper,
                args,
                str(path),
                input_names=list(spec.input_names),
                output_names=list(spec.output_names),
                dynamic_axes=spec.dynamic_axes(),
                opset_version=opset,
                do_constant_folding=True,
                export_params=True,
                **kwargs,
            )


def _set_shape(value_info: onnx.ValueInfoProto, tensor: contract.TensorSpec, where: str):
    tt = value_info.type.tensor_type
    want_type = contract.ONNX_ELEM_TYPES[tensor.dtype]
    if tt.elem_type != want_type:
        raise ContractError(
            f"{where} {tensor.name!r} has ONNX element type {tt.elem_type}, the contract needs {tensor.dtype}"
        )
    declared = list(tt.shape.dim)
    want = list(tensor.shape)
    if declared and len(declared) != len(want) + 1:
        raise ContractError(f"{where} {tensor.name!r} has rank {len(declared)}, the contract needs {len(want) + 1}")
    for k, dim in enumerate(declared[1:]):
        if dim.HasField("dim_value") and dim.dim_value != want[k]:
            raise ContractError(
                f"{where} {tensor.name!r} dimension {k + 1} is {dim.dim_value}, the contract needs {want[k]}"
            )
    tt.ClearField("shape")
    tt.shape.dim.add().dim_param = BATCH_AXIS
    for size in want:
        tt.shape.dim.add().dim_value = int(size)


def apply_signature(model: onnx.ModelProto, spec: GraphSpec) -> List[str]:
    """Declare exactly the contract's inputs/outputs: order, element types, ``batch`` on dim 0, fixed rest.

    torch leaves non-batch output dims symbolic when its shape inference loses track of them, and it
    drops inputs the module does not use; both would change what the consumer sees.
    """
    notes: List[str] = []
    graph = model.graph
    initializer_names = {init.name for init in graph.initializer}
    declared = {vi.name: vi for vi in graph.input if vi.name not in initializer_names}
    extra = [name for name in declared if name not in spec.input_names]
    if extra:
        raise ContractError(f"{spec.name}: unexpected graph inputs {extra}")
    ordered = []
    for tensor in spec.inputs:
        vi = declared.get(tensor.name)
        if vi is None:
            # An unused input is still part of the contract: the consumer always feeds it.
            vi = onnx.helper.make_tensor_value_info(tensor.name, contract.ONNX_ELEM_TYPES[tensor.dtype], None)
            notes.append(f"{spec.name}: input {tensor.name!r} is not used by the module; declared anyway")
        _set_shape(vi, tensor, f"{spec.name} input")
        ordered.append(vi)
    kept_initializer_inputs = [vi for vi in graph.input if vi.name in initializer_names]
    del graph.input[:]
    graph.input.extend(ordered + kept_initializer_inputs)

    outputs = [o.name for o in graph.output]
    if outputs != list(spec.output_names):
        raise ContractError(f"{spec.name}: graph outputs are {outputs}, the contract needs {list(spec.output_names)}")
    for vi, tensor in zip(graph.output, spec.outputs):
        _set_shape(vi, tensor, f"{spec.name} output")
    # Intermediate shapes recorded at trace time can carry the trace batch size; the consumer needs none.
    del graph.value_info[:]
    return notes


def check_signature(model: onnx.ModelProto, spec: GraphSpec) -> None:
    """Raise ContractError unless the model's declared inputs/outputs are exactly the contract's."""
    initializer_names = {init.name for init in model.graph.initializer}
    inputs = [vi for vi in model.graph.input if vi.name not in initializer_names]
    for kind, declared, wanted in (("input", inputs, spec.inputs), ("output", list(model.graph.output), spec.outputs)):
        names = [vi.name for vi in declared]
        if names != [t.name for t in wanted]:
            raise ContractError(f"{spec.name}: {kind}s are {names}, expected {[t.name for t in wanted]}")
        for vi, tensor in zip(declared, wanted):
            tt = vi.type.tensor_type
            if tt.elem_type != contract.ONNX_ELEM_TYPES[tensor.dtype]:
                raise ContractError(f"{spec.name}: {kind} {vi.name!r} has element type {tt.elem_type}")
            dims = list(tt.shape.dim)
            if not dims or dims[0].dim_param != BATCH_AXIS:
                raise ContractError(f"{spec.name}: {kind} {vi.name!r} dim 0 is not the dynamic {BATCH_AXIS!r} axis")
            fixed = [d.dim_value if d.HasField("dim_value") else None for d in dims[1:]]
            if fixed != list(tensor.shape):
                raise ContractError(f"{spec.name}: {kind} {vi.name!r} has dims {fixed}, expected {list(tensor.shape)}")


def save_model(model: onnx.ModelProto, path: Path, external: bool) -> None:
    """Write ``model`` to ``path``; with ``external`` every tensor goes to ``model.onnx.data`` beside it."""
    path = Path(path)
    data_path = path.parent / EXTERNAL_DATA_FILE
    # onnx appends to an existing data file; a stale one would corrupt the offsets.
    for stale in (path, data_path):
        if stale.exists():
            stale.unlink()
    if external:
        onnx.save_model(
            model,
            str(path),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=EXTERNAL_DATA_FILE,
            size_threshold=0,
            convert_attribute=False,
        )
    else:
        onnx.save_model(model, str(path))
    # The path form of the checker follows external data and has no 2 GiB limit.
    onnx.checker.check_model(str(path))


def export_graph(
    name: str,
    wrapper: torch.nn.Module,
    spec: GraphSpec,
    out_dir: Path,
    *,
    opset: int = contract.DEFAULT_OPSET,
    fp16: bool = False,
    external_data: str = "auto",
    external_threshold: int = DEFAULT_EXTERNAL_THRESHOLD,
    seed: int = 0,
) -> ExportedGraph:
    """Export ``wrapper`` (see wrappers.py) as ``out_dir/model.onnx`` following ``spec``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    feeds = contract.make_inputs(spec, TRACE_BATCH, rng)

    # The module must produce the contract's shapes before it is worth tracing.
    reference = run_torch(wrapper, feeds, spec.input_names)
    if len(reference) != len(spec.outputs):
        raise ContractError(f"{name}: the module returned {len(reference)} outputs, expected {len(spec.outputs)}")
    for array, tensor in zip(reference, spec.outputs):
        if tuple(array.shape) != tensor.full_shape(TRACE_BATCH):
            raise ContractError(
                f"{name}: torch output {tensor.name!r} has shape {tuple(array.shape)}, "
                f"the contract (from the configs) says {tensor.full_shape(TRACE_BATCH)}"
            )

    with tempfile.TemporaryDirectory(prefix=".staging-", dir=str(out_dir)) as staging:
        staged = Path(staging) / MODEL_FILE
        torch_export(wrapper, spec, feeds, staged, opset)
        # Loads tensors torch may have written as separate external files (it does so over 2 GiB).
        model = onnx.load(str(staged))
    notes = apply_signature(model, spec)
    report = None
    if fp16:
        model, report = convert_to_fp16(model)
    check_signature(model, spec)
    nbytes = tensor_bytes(model)
    external = use_external_data(external_data, nbytes, external_threshold)
    path = out_dir / MODEL_FILE
    save_model(model, path, external)
    return ExportedGraph(name, path, external, nbytes, report, notes)


def load_signature(path: Path) -> onnx.ModelProto:
    """The graph without its weights (enough to read names, types and shapes)."""
    return onnx.load(str(path), load_external_data=False)
