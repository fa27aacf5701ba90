"""Convert an exported float32 graph to float16 weights and compute, keeping the contract float32.

Rules (each one is about numerical safety or the consumer contract):

* Graph inputs and outputs stay float32; Cast nodes are placed right behind the inputs and in front
  of the outputs, so the consumer feeds and reads exactly what it does for a float32 package.
* The "integer-rooted preamble" stays float32: everything computed from an integer or boolean input
  (timestep → sinusoidal embedding, token mask → additive -10000 mask) up to the first op that mixes
  it with activations or weights. Timesteps reach 999; fp16 cannot even represent t·freq to within
  0.5 there, so the sin/cos arguments must be float32 (diffusers does the same: the time projection
  is computed in float32 and only cast to the model dtype afterwards).
* Statistics and range-sensitive ops stay float32 (``KEEP_FP32_OPS``): normalisations (sums over
  thousands of elements overflow or lose precision in fp16), exp/log/pow/sqrt, sin/cos, Range.
* The input layer stays float32 (``input_layer``): each float graph input up to its first weighted ops.
* The output layer stays float32 (``output_layer``): each graph output back to its last weighted op.
  An fp16 output is rounded to 11 bits (0.001 at |x| ≈ 2): half of the stand-in text_proj's error
  and a tenth of the UNets' (measured by ``fp16_drift.py``); the layer is one Conv or projection.
* Layout ops (Reshape, Transpose, …) right before or after a kept op stay float32 with it
  (``LAYOUT_OPS``): GroupNorm's Reshape → InstanceNormalization → Reshape stays float32 as a whole.
* Inputs that ONNX requires to stay float32 whatever the data type (Resize's roi/scales) stay so.
* Float constants are clamped into the fp16 range (e.g. ``finfo(float32).min`` causal masks become
  -65504 instead of -inf).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
FLOAT16 = TensorProto.FLOAT16
FP16_MAX = float(np.finfo(np.float16).max)

KEEP_FP32_OPS = frozenset(
    {
        "LayerNormalization",
        "InstanceNormalization",  # torch exports GroupNorm as InstanceNormalization + affine
        "GroupNormalization",
        "BatchNormalization",
        "ReduceMean",
        "ReduceSum",
        "ReduceSumSquare",
        "ReduceL2",
        "ReduceLogSumExp",
        "Pow",
        "Sqrt",
        "Reciprocal",
        "Exp",
        "Log",
        "Sin",
        "Cos",
        "Range",
        "CumSum",
        # Embedding lookups: the table in fp16 rounds every token/position embedding before anything
        # else happens; float32 tables halved the stand-in text encoder's error (max 0.0011 → 0.00045,
        # fp16_drift.py --locate). CLIP ViT-L/14's token table is 38 M parameters (+76 MB on ≈7.5 GB).
        "Gather",
        "EyeLike",
        "RandomNormal",
        "RandomNormalLike",
        "RandomUniform",
        "RandomUniformLike",
    }
)

# Layout ops right before or after a kept op (KEEP_FP32_OPS) stay float32 with it: torch exports GroupNorm
# as Reshape → InstanceNormalization → Reshape → Mul → Add, and keeping both Reshapes float32 cut the
# UNets' own fp16 error by 45 % (mean) / 30 % (max) in fp16_drift.py's report (decoder 0.00024 →
# 0.00013 / 0.0019 → 0.0013, super-res max 0.0017 → 0.0009; onnxruntime-node on the CPU, which runs
# fp16 ops through inserted casts, so where the casts go decides what gets rounded).
LAYOUT_OPS = frozenset({"Reshape", "Squeeze", "Unsqueeze", "Flatten", "Transpose"})

# Ops that apply weights: the integer-rooted preamble ends at them (their output is an activation).
WEIGHTED_OPS = frozenset({"MatMul", "Gemm", "Conv", "ConvTranspose", "Gather", "Einsum"})

# (op_type, input slot) that stay float32 whatever the node computes in.
FIXED_FP32_SLOTS = frozenset({("Resize", 1), ("Resize", 2), ("Upsample", 1)})

_SMALL_INITIALIZER = 1 << 16  # kept in the type-inference skeleton (shape tensors live here)


@dataclass
class Fp16Report:
    fp16_initializers: int = 0
    fp16_bytes: int = 0
    fp32_initializers: List[str] = field(default_factory=list)
    fp32_bytes: int = 0
    kept_nodes: Counter = field(default_factory=Counter)
    fp16_nodes: int = 0
    casts_inserted: int = 0

    def summary(self) -> str:
        kept = ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.kept_nodes.items())) or "none"
        return (
            f"{self.fp16_initializers} weight tensors in fp16 ({self.fp16_bytes / 2**20:.1f} MiB); "
            f"kept in fp32: {len(self.fp32_initializers)} weight tensors ({self.fp32_bytes / 2**20:.2f} MiB), "
            f"nodes: {kept}; {self.fp16_nodes} nodes in fp16, {self.casts_inserted} casts"
        )


class Fp16ConversionError(RuntimeError):
    pass


def _tensor_nbytes(t: TensorProto) -> int:
    if t.raw_data:
        return len(t.raw_data)
    size = {FLOAT: 4, FLOAT16: 2}.get(t.data_type, 8)
    return int(np.prod(t.dims, dtype=np.int64)) * size


def _skeleton(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model without its large float weights (declared as inputs instead), for type inference.

    Shape inference serialises the model, which fails over 2 GB; weights are not needed to infer types.
    """
    graph = model.graph
    g = onnx.GraphProto(name=graph.name)
    g.node.extend(graph.node)
    g.input.extend(graph.input)
    g.output.extend(graph.output)
    for init in graph.initializer:
        if init.data_type in (FLOAT, FLOAT16) and _tensor_nbytes(init) > _SMALL_INITIALIZER:
            g.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
        else:
            g.initializer.append(init)
    skeleton = helper.make_model(g, opset_imports=list(model.opset_import))
    skeleton.ir_version = model.ir_version
    return skeleton


def infer_elem_types(model: onnx.ModelProto, strict: bool = False) -> Dict[str, int]:
    """Element type of every value in the graph (inputs, initializers, intermediates, outputs)."""
    inferred = onnx.shape_inference.infer_shapes(_skeleton(model), check_type=strict, strict_mode=strict)
    types: Dict[str, int] = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    for init in model.graph.initializer:
        types[init.name] = init.data_type
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    types[node.output[0]] = attr.t.data_type
    return types


def _to_fp16_tensor(t: TensorProto) -> TensorProto:
    array = numpy_helper.to_array(t)
    finite = np.isfinite(array)
    array = np.where(finite, np.clip(array, -FP16_MAX, FP16_MAX), array).astype(np.float16)
    return numpy_helper.from_array(array, t.name)


def _const_value_attr(node: onnx.NodeProto):
    """The tensor ``value`` attribute of a Constant/ConstantOfShape node; None when absent (only valid for
    ConstantOfShape), False when the constant is given in another form (value_float, ...), which stays fp32."""
    for attr in node.attribute:
        if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
            return attr
    return None if node.op_type == "ConstantOfShape" else False


def _has_subgraph(node: onnx.NodeProto) -> bool:
    return any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute)


def output_layer(graph: onnx.GraphProto, is_float, constants: Set[str]) -> Set[int]:
    """Indices of the nodes from each graph output back to (and including) the last weighted op before it.

    Kept float32 by default (``keep_output_layer``): an fp16 output is rounded to 11 bits (0.001 at
    |x| ≈ 2): half of the stand-in text_proj's error, a tenth of the UNets' (fp16_drift.py). Walking back stops at
    weighted ops and at ops mixing two activations (a residual Add, SiLU's Mul, a Concat): the last
    layer only, which is small (one Conv or projection), not a whole residual stream."""
    producer = {y: i for i, node in enumerate(graph.node) for y in node.output if y}
    keep: Set[int] = set()
    stack = [o.name for o in graph.output if is_float(o.name)]
    while stack:
        i = producer.get(stack.pop())
        if i is None or i in keep:
            continue
        node = graph.node[i]
        if node.op_type in ("Constant", "ConstantOfShape"):
            continue
        keep.add(i)
        activations = [x for x in node.input if x and is_float(x) and x not in constants]
        if node.op_type not in WEIGHTED_OPS and len(activations) == 1:
            stack.extend(activations)
    return keep


def input_layer(graph: onnx.GraphProto, is_float, constants: Set[str]) -> Set[int]:
    """Indices of the nodes from each float graph input forward to (and including) the first weighted ops.

    Kept float32 by default (``keep_input_layer``): the input is not rounded to fp16 before its first
    layer (a UNet's ``conv_in``, the attention K/V projections of ``encoder_hidden_states``). Kept float32,
    ``conv_in`` alone cut the stand-in decoder's fp16 error by a third (max 0.0013 → 0.0009,
    fp16_drift.py ``--locate``). Walking stops at weighted ops and at ops mixing two activations."""
    consumers: Dict[str, List[int]] = defaultdict(list)
    for i, node in enumerate(graph.node):
        for x in node.input:
            if x:
                consumers[x].append(i)
    keep: Set[int] = set()
    stack = [vi.name for vi in graph.input if is_float(vi.name) and vi.name not in constants]
    seen: Set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for i in consumers.get(name, []):
            node = graph.node[i]
            activations = [x for x in node.input if x and is_float(x) and x not in constants]
            if node.op_type in WEIGHTED_OPS:
                keep.add(i)
            elif len(activations) == 1 and node.op_type not in ("Shape", "Cast"):
                keep.add(i)
                stack.extend(y for y in node.output if y and is_float(y))
    return keep


def _layout_neighbours(graph: onnx.GraphProto, keep_op_types: frozenset) -> Set[int]:
    """Layout ops (``LAYOUT_OPS``) whose output a kept op reads or which read a kept op's output."""
    producer = {y: i for i, node in enumerate(graph.node) for y in node.output if y}
    found: Set[int] = set()
    kept_outputs: Set[str] = set()
    for node in graph.node:
        if node.op_type in keep_op_types and node.op_type not in LAYOUT_OPS:
            kept_outputs.update(y for y in node.output if y)
            for x in node.input:
                j = producer.get(x)
                if j is not None and graph.node[j].op_type in LAYOUT_OPS:
                    found.add(j)
    for i, node in enumerate(graph.node):
        if node.op_type in LAYOUT_OPS and node.input and node.input[0] in kept_outputs:
            found.add(i)
    return found


def convert_to_fp16(
    model: onnx.ModelProto,
    keep_op_types: Iterable[str] = KEEP_FP32_OPS,
    keep_output_layer: bool = True,
    keep_names: Iterable[str] = (),
    keep_norm_layout: bool = True,
    keep_input_layer: bool = True,
) -> Tuple[onnx.ModelProto, Fp16Report]:
    """Convert ``model`` (float32, weights loaded) in place; returns it with a report of what stayed fp32.

    ``keep_names``: regular expressions; nodes whose name matches one (``re.search``) stay float32 too
    (a region of the graph, e.g. ``^/m/down0/``: what fp16_drift.py's ``--locate`` tries)."""
    keep_op_types = frozenset(keep_op_types)
    name_patterns = [re.compile(p) for p in keep_names]
    graph = model.graph
    types = infer_elem_types(model)
    report = Fp16Report()

    for node in graph.node:
        if _has_subgraph(node):
            raise Fp16ConversionError(
                f"fp16: node {node.name or node.op_type} ({node.op_type}) has a subgraph; control flow is not "
                "converted. Export without it (the repeat_interleave lowering avoids the usual Loop)."
            )

    def is_float(name: str) -> bool:
        if not name:
            return False
        if name not in types:
            raise Fp16ConversionError(f"fp16: the type of value {name!r} could not be inferred")
        return types[name] == FLOAT

    initializers = {init.name: init for init in graph.initializer}
    const_nodes: Dict[str, onnx.NodeProto] = {}
    for node in graph.node:
        if node.op_type in ("Constant", "ConstantOfShape"):
            const_nodes[node.output[0]] = node
    constants = set(initializers) | set(const_nodes)
    tail = output_layer(graph, is_float, constants) if keep_output_layer else set()
    beside_kept = _layout_neighbours(graph, keep_op_types) if keep_norm_layout else set()
    head = input_layer(graph, is_float, constants) if keep_input_layer else set()

    # 1. Which nodes compute in fp16, which stay fp32, which carry no float data at all.
    domain: Dict[int, Optional[str]] = {}
    region: Set[str] = set()
    for i, node in enumerate(graph.node):
        float_in = [x for x in node.input if is_float(x)]
        float_out = [y for y in node.output if is_float(y)]
        if node.op_type in ("Constant", "ConstantOfShape"):
            domain[i] = "const"
            continue
        if not float_in and not float_out:
            domain[i] = None
            continue
        if node.op_type == "Cast" and not float_in:
            domain[i] = "fp32"
            report.kept_nodes["integer-rooted preamble (timestep embedding, masks, shape arithmetic)"] += 1
            region.update(float_out)
        elif (
            node.op_type not in WEIGHTED_OPS
            and float_in
            and all(x in region or x in constants for x in float_in)
            and any(x in region for x in float_in)
        ):
            domain[i] = "fp32"
            report.kept_nodes["integer-rooted preamble (timestep embedding, masks, shape arithmetic)"] += 1
            region.update(float_out)
        elif node.op_type in keep_op_types:
            domain[i] = "fp32"
            report.kept_nodes[node.op_type] += 1
        elif i in tail:
            domain[i] = "fp32"
            report.kept_nodes["output layer (last weighted op and after)"] += 1
        elif i in head:
            domain[i] = "fp32"
            report.kept_nodes["input layer (up to the first weighted op)"] += 1
        elif i in beside_kept:
            domain[i] = "fp32"
            report.kept_nodes[f"{node.op_type} beside a float32 op"] += 1
        elif any(p.search(node.name) for p in name_patterns):
            domain[i] = "fp32"
            report.kept_nodes["kept by name"] += 1
        else:
            domain[i] = "fp16"
            report.fp16_nodes += 1

    def wants_fp16(i: int, slot: int) -> bool:
        return domain[i] == "fp16" and (graph.node[i].op_type, slot) not in FIXED_FP32_SLOTS

    consumers: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
    for i, node in enumerate(graph.node):
        for slot, x in enumerate(node.input):
            if x:
                consumers[x].append((i, slot))
    graph_outputs = {o.name for o in graph.output}

    def all_consumers_fp16(name: str) -> bool:
        uses = consumers.get(name, [])
        return bool(uses) and name not in graph_outputs and all(wants_fp16(i, s) for i, s in uses)

    # 2. Storage type of every float value after conversion.
    new_type: Dict[str, int] = {}
    for name in constants:
        if types.get(name) == FLOAT:
            convertible = name in initializers or _const_value_attr(const_nodes[name]) is not False
            new_type[name] = FLOAT16 if convertible and all_consumers_fp16(name) else FLOAT
    for i, node in enumerate(graph.node):
        if domain[i] in ("fp16", "fp32"):
            for y in node.output:
                if is_float(y):
                    new_type[y] = FLOAT16 if domain[i] == "fp16" else FLOAT
    for vi in graph.input:
        if types.get(vi.name) == FLOAT:
            new_type[vi.name] = FLOAT

    # 3. Rewrite constants, initializers and dtype attributes.
    for name, init in initializers.items():
        if new_type.get(name) == FLOAT16:
            init.CopyFrom(_to_fp16_tensor(init))
            report.fp16_initializers += 1
            report.fp16_bytes += _tensor_nbytes(init)
        elif init.data_type == FLOAT:
            report.fp32_initializers.append(name)
            report.fp32_bytes += _tensor_nbytes(init)
    for name, node in const_nodes.items():
        if new_type.get(name) == FLOAT16:
            attr = _const_value_attr(node)
            if attr is None:  # ConstantOfShape without a value attribute fills float32 zeros
                node.attribute.append(helper.make_attribute("value", numpy_helper.from_array(np.zeros(1, np.float16))))
            else:
                attr.t.CopyFrom(_to_fp16_tensor(attr.t))
    for i, node in enumerate(graph.node):
        if node.op_type == "Cast" and domain[i] == "fp16":
            for attr in node.attribute:
                if attr.name == "to" and attr.i == FLOAT:
                    attr.i = FLOAT16

    # 4. Insert casts wherever a value's storage type differs from what its consumer computes in.
    cast_cache: Dict[Tuple[str, int], str] = {}
    new_nodes: List[onnx.NodeProto] = []

    def cast_of(name: str, to: int) -> str:
        key = (name, to)
        if key not in cast_cache:
            suffix = "fp16" if to == FLOAT16 else "fp32"
            out = f"{name}__{suffix}"
            new_nodes.append(helper.make_node("Cast", [name], [out], name=f"{out}__cast", to=to))
            cast_cache[key] = out
            report.casts_inserted += 1
        return cast_cache[key]

    internal_name: Dict[str, str] = {}
    for o in graph.output:
        if new_type.get(o.name) == FLOAT16:
            internal_name[o.name] = f"{o.name}__fp16_out"

    for i, node in enumerate(graph.node):
        for slot, x in enumerate(node.input):
            if not x or types.get(x) != FLOAT:
                continue
            source = internal_name.get(x, x)
            have = new_type.get(x, FLOAT)
            need = FLOAT16 if wants_fp16(i, slot) else FLOAT
            if have != need:
                node.input[slot] = cast_of(source, need)
            elif source != x:
                node.input[slot] = source
        for k, y in enumerate(node.output):
            if y in internal_name:
                node.output[k] = internal_name[y]
        new_nodes.append(node)
    for o in graph.output:
        if o.name in internal_name:
            new_nodes.append(
                helper.make_node("Cast", [internal_name[o.name]], [o.name], name=f"{o.name}__cast", to=FLOAT)
            )
            report.casts_inserted += 1

    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.value_info[:]

    # 5. The result must type-check (a wrong cast placement would fail here, not in the consumer).
    try:
        infer_elem_types(model, strict=True)
    except Exception as exc:  # onnx raises several exception types for inference errors
        raise Fp16ConversionError(f"fp16: the converted graph does not type-check: {exc}") from exc
    return model, report
