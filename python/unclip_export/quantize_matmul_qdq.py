"""Static QDQ int8 MatMuls: projections and attention, with calibrated activation ranges (issue #22).

An experiment, off by default (``quantize_int8 --static-conv --token-ids F --static-matmul [--attention]``):
on unclip-small's decoder the static projections were measured no faster than the dynamic ones, and
int8 attention slower than float32 (README, "int8 packages"): with 32-wide heads the scores MatMul does
little arithmetic, and the time goes into writing, masking, normalising and reading the float32
score tensor, which a quantise pass over the softmax output only adds to.

The dynamic rewrite (``quantize_int8.quantize_model``) quantises a projection's input at run time
(``DynamicQuantizeLinear``: a min/max pass and a quantise pass over the activation on every call) and
leaves the attention MatMuls between two activations in float32. Here both kinds get the static
QDQ form, whose ranges come from the same calibration runs as the convolutions::

    x ─ QuantizeLinear(u8) ─ DequantizeLinear ─┐
                                               MatMul ─ (float out)
    W int8 per column ─ DequantizeLinear ──────┘

which onnxruntime's QDQ transformer (optimisation level "extended" and up) fuses into
``MatMulIntegerToFloat`` (com.microsoft): u8 activations × s8 weights in its integer GEMM, float out.

* **Projections** (MatMul with a constant 2-D weight): activations u8 with the calibrated range,
  weights int8 symmetric per output column.
* **Attention** (MatMul between two activations: the scores ``q·kᵀ`` and ``softmax·v``): the left
  operand u8 with its calibrated range — for the softmax output that range is [0, 1] by
  definition, so its scale is exactly 1/255 —, the right one (kᵀ, v) int8 symmetric per tensor
  (zero point 0: the u8 × s8 kernel). The softmax itself, the score scaling and the mask stay float32.

Nodes matching ``keep`` (see ``quantize_int8.DEFAULT_KEEP``) stay float32, as for the other rewrites.
"""

from __future__ import annotations

import re
from typing import Dict, List, Sequence, Set

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .quantize_int8 import QuantizeReport, _quantize_weight, replace_graph_body


def _constants(graph: onnx.GraphProto) -> Dict[str, np.ndarray]:
    out = {i.name: i for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            out[n.output[0]] = n.attribute[0].t
    return out


def _softmax_outputs(graph: onnx.GraphProto) -> Set[str]:
    """Tensors that are a Softmax output, also through the Casts torch puts around an upcast softmax."""
    out: Set[str] = set()
    for n in graph.node:
        if n.op_type == "Softmax" or (n.op_type in ("Cast", "Identity") and n.input[0] in out):
            out.add(n.output[0])
    return out


def matmul_targets(model: onnx.ModelProto, keep: Sequence[str], linear: bool = True, attention: bool = True) -> Dict[str, str]:
    """MatMul node name → "linear" | "attention" for the MatMuls this rewrite would quantise."""
    keep_res = [re.compile(k) for k in keep]
    consts = _constants(model.graph)
    out: Dict[str, str] = {}
    for n in model.graph.node:
        if n.op_type != "MatMul" or any(r.search(n.name) for r in keep_res):
            continue
        a_const, b_const = n.input[0] in consts, n.input[1] in consts
        if b_const and not a_const and linear:
            w = consts[n.input[1]]
            if w.data_type == onnx.TensorProto.FLOAT and len(w.dims) == 2:
                out[n.name] = "linear"
        elif not a_const and not b_const and attention:
            out[n.name] = "attention"
    return out


def calibration_tensors(model: onnx.ModelProto, targets: Dict[str, str]) -> List[str]:
    """The activations whose ranges the rewrite needs (the softmax outputs' range is known: [0, 1])."""
    soft = _softmax_outputs(model.graph)
    wanted: List[str] = []
    for n in model.graph.node:
        kind = targets.get(n.name)
        if kind is None:
            continue
        if n.input[0] not in soft:
            wanted.append(n.input[0])
        if kind == "attention":
            wanted.append(n.input[1])
    return list(dict.fromkeys(wanted))


def quantize_matmul_static(model: onnx.ModelProto, ranges: Dict[str, tuple], targets: Dict[str, str]) -> QuantizeReport:
    """Rewrite ``model`` in place: every MatMul in ``targets`` gets QDQ inputs (see the module doc)."""
    graph = model.graph
    consts = _constants(graph)
    soft = _softmax_outputs(graph)
    report = QuantizeReport()
    new_inits: List[onnx.TensorProto] = []
    out_nodes: List[onnx.NodeProto] = []
    dq_of: Dict[tuple, str] = {}  # (tensor, signedness) → its Q→DQ copy: one Q per tensor and kind
    dead: List[str] = []

    def qdq(t: str, base: str, signed: bool) -> str:
        key = (t, signed)
        if key in dq_of:
            return dq_of[key]
        if t in soft:
            lo, hi = 0.0, 1.0
        elif t in ranges:
            lo, hi = ranges[t]
        else:
            raise ValueError(f"quantize_matmul_static: no calibrated range for {t!r}")
        lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
        if signed:  # symmetric, zero point 0: the right operand of the u8 × s8 kernel
            amax = max(-lo, hi)
            scale, zp = (amax / 127.0 if amax > 0 else 1.0), np.int8(0)
        else:
            scale = (hi - lo) / 255.0 if hi > lo else 1.0
            zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
        s, z = f"{base}/scale", f"{base}/zero_point"
        new_inits.extend([numpy_helper.from_array(np.array(scale, np.float32), s), numpy_helper.from_array(np.array(zp), z)])
        out_nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [f"{base}/q"], name=f"{base}/QuantizeLinear"))
        out_nodes.append(helper.make_node("DequantizeLinear", [f"{base}/q", s, z], [f"{base}/dq"], name=f"{base}/DequantizeLinear"))
        dq_of[key] = f"{base}/dq"
        return dq_of[key]

    for node in graph.node:
        kind = targets.get(node.name)
        if kind is None:
            out_nodes.append(node)
            continue
        base = f"{node.name}__qdq"
        a = qdq(node.input[0], f"{base}/a", signed=False)
        if kind == "linear":
            w = numpy_helper.to_array(consts[node.input[1]]) if isinstance(consts[node.input[1]], onnx.TensorProto) else None
            q, wscale, _ = _quantize_weight(w, 1, "int8")
            new_inits += [
                numpy_helper.from_array(q, f"{base}/W"),
                numpy_helper.from_array(wscale.reshape(-1).astype(np.float32), f"{base}/W_scale"),
                numpy_helper.from_array(np.zeros(w.shape[1], np.int8), f"{base}/W_zero_point"),
            ]
            out_nodes.append(
                helper.make_node(
                    "DequantizeLinear", [f"{base}/W", f"{base}/W_scale", f"{base}/W_zero_point"], [f"{base}/Wdq"], name=f"{base}/W/DequantizeLinear", axis=1
                )
            )
            b = f"{base}/Wdq"
            dead.append(node.input[1])
        else:
            b = qdq(node.input[1], f"{base}/b", signed=True)
        mm = onnx.NodeProto()
        mm.CopyFrom(node)
        del mm.input[:]
        mm.input.extend([a, b])
        out_nodes.append(mm)
        report.quantized.append(node.name)

    replace_graph_body(graph, out_nodes, new_inits, dead)
    return report
