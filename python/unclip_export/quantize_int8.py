"""Dynamic int8 quantisation of a package's UNet/prior graphs, with the ``onnx`` package only.

An experiment for issue #22 ("measure before building much"): onnxruntime's own Python quantiser is
not installable here (Debian packages only), so the rewrite is done by hand, in the same shape that
onnxruntime's dynamic quantiser emits — which is also the shape its graph optimiser fuses into
``DynamicQuantizeMatMul`` / ``MatMulIntegerToFloat`` at optimisation level "all":

* MatMul / Gemm with a constant weight ``W [K, N]``::

      x ─ DynamicQuantizeLinear ─ (xq uint8, xs, xz) ─ MatMulInteger(xq, Wq int8, xz, 0) ─ Cast float
        ─ Mul(xs · ws[N]) ─ (+ bias)

* Conv with a constant weight ``W [O, I, kh, kw]`` (when ``conv=True``)::

      x ─ DynamicQuantizeLinear ─ ConvInteger(xq, Wq, xz, wz) ─ Cast float ─ Mul(xs · ws[1, O, 1, 1]) ─ (+ b)

Weights are symmetric (zero point 0 for int8, 128 for uint8) with **one scale per output channel /
column**: the integer ops only take a scalar weight zero point, but a per-channel *scale* is free
because it is applied after the integer product. Activations get one scale per tensor per call
(DynamicQuantizeLinear computes it from the tensor's min/max at run time), so no calibration is needed.

Precision-sensitive parts stay float32: only MatMul/Gemm/Conv are ever rewritten (normalisation,
softmax, the sinusoidal time projection are never touched), MatMuls between two activations
(attention scores) stay float, and nodes whose name matches one of ``keep`` (regular expressions;
default ``DEFAULT_KEEP``: time embedding and its per-block projections, the first and last layers,
the prior's output projection) stay float32.

CLI: ``python3 -m unclip_export.quantize_int8 IN_DIR OUT_DIR [--components …] [--keep RE …] [--no-conv]
[--static-conv [--token-ids FILE [--static-matmul [--attention]]]]`` copies the whole package and rewrites
``<component>/model.onnx`` for the chosen components. The exporter's ``--int8`` is ``int8_in_place`` (static
Conv, prompt calibration), as is ``--token-ids``; ``--static-matmul`` / ``--attention`` are the measured
experiments of ``quantize_matmul_qdq.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Names (torch.onnx export scopes, e.g. "/m/time_embedding/linear_1/Gemm") left in float32 by default.
DEFAULT_KEEP = (
    r"time_embedding",  # timestep MLP: feeds every block, tiny (batch rows only)
    r"time_emb_proj",  # per-block timestep projection: tiny, and an error here shifts whole channels
    r"conv_in/",  # first layer: sees raw pixels/latents
    r"conv_out/",  # last layer: its error lands directly in the predicted noise
    r"proj_to_clip_embeddings",  # prior's output projection (its last layer)
    r"embedding_proj",  # prior input projections (first layers)
    r"encoder_hidden_states_proj",
    # the toy models (training/toyshapes) name the same parts differently
    r"^/time/",
    r"^/(cin|inp)/",
    r"^/(cout|out)/",
    r"/emb/Gemm",
)
DEFAULT_COMPONENTS = ("prior", "decoder", "super_res_first", "super_res_last")
# components whose projections the exporter's --int8 quantises statically (int8_in_place)
STATIC_MATMUL_COMPONENTS = ("decoder", "super_res_first", "super_res_last")


@dataclass
class QuantizeReport:
    quantized: List[str] = field(default_factory=list)
    kept: List[str] = field(default_factory=list)  # matched `keep`
    skipped: List[str] = field(default_factory=list)  # not eligible (activation × activation, odd attrs)

    def summary(self) -> str:
        return f"{len(self.quantized)} int8, {len(self.kept)} kept float32 by name, {len(self.skipped)} not eligible"


def _quantize_weight(w: np.ndarray, axis: int, weight_type: str):
    """Symmetric per-channel quantisation along `axis` (the output channel). Returns (q, scale, zero_point)."""
    reduce_axes = tuple(a for a in range(w.ndim) if a != axis)
    amax = np.max(np.abs(w), axis=reduce_axes, keepdims=True).astype(np.float32)
    scale = np.where(amax > 0, amax / 127.0, np.float32(1.0)).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127)
    if weight_type == "int8":
        return q.astype(np.int8), scale, np.array(0, dtype=np.int8)
    # uint8 with zero point 128: same grid, for kernels that only take unsigned weights
    return (q + 128).astype(np.uint8), scale, np.array(128, dtype=np.uint8)


def quantize_model(
    model: onnx.ModelProto,
    keep: Sequence[str] = DEFAULT_KEEP,
    conv: bool = True,
    matmul: bool = True,
    weight_type: str = "int8",
    conv_weight_type: Optional[str] = None,
) -> QuantizeReport:
    """Rewrite `model` in place. `conv_weight_type` defaults to `weight_type`."""
    if weight_type not in ("int8", "uint8"):
        raise ValueError(f"weight_type must be int8 or uint8, not {weight_type!r}")
    conv_weight_type = conv_weight_type or weight_type
    graph = model.graph
    keep_res = [re.compile(k) for k in keep]
    inits: Dict[str, onnx.TensorProto] = {i.name: i for i in graph.initializer}
    # Constant nodes are also constant weights (torch sometimes emits them instead of initializers)
    const_nodes: Dict[str, onnx.NodeProto] = {
        n.output[0]: n for n in graph.node if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"
    }
    uses: Dict[str, int] = {}
    for n in graph.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1

    def const(name: str) -> Optional[np.ndarray]:
        if name in inits:
            return numpy_helper.to_array(inits[name])
        if name in const_nodes:
            return numpy_helper.to_array(const_nodes[name].attribute[0].t)
        return None

    report = QuantizeReport()
    new_inits: List[onnx.TensorProto] = []
    dql: Dict[str, tuple] = {}  # activation name -> (xq, xs, xz): one DynamicQuantizeLinear per tensor
    out_nodes: List[onnx.NodeProto] = []
    dead_weights: List[str] = []

    def quantize_input(x: str, prefix: str) -> tuple:
        if x not in dql:
            names = (f"{x}__q", f"{x}__qs", f"{x}__qz")
            out_nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(names), name=f"{prefix}/DynamicQuantizeLinear"))
            dql[x] = names
        return dql[x]

    for node in graph.node:
        op = node.op_type
        if op not in ("MatMul", "Gemm", "Conv") or (op == "Conv" and not conv) or (op != "Conv" and not matmul):
            out_nodes.append(node)
            continue
        label = node.name or node.output[0]
        w = const(node.input[1]) if len(node.input) > 1 else None
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        eligible = w is not None and w.dtype == np.float32
        if op == "MatMul":
            eligible = eligible and w.ndim == 2
        elif op == "Gemm":
            eligible = (
                eligible
                and w.ndim == 2
                and not attrs.get("transA", 0)
                and attrs.get("alpha", 1.0) == 1.0
                and attrs.get("beta", 1.0) == 1.0
            )
        else:
            eligible = eligible and w.ndim == 4 and attrs.get("group", 1) == 1
        if not eligible:
            report.skipped.append(label)
            out_nodes.append(node)
            continue
        if any(r.search(label) for r in keep_res):
            report.kept.append(label)
            out_nodes.append(node)
            continue

        prefix = label.rsplit("/", 1)[0] if "/" in label else label
        xq, xs, xz = quantize_input(node.input[0], prefix + "/" + node.input[0].strip("/").replace("/", "_"))
        y = node.output[0]
        if op == "Conv":
            q, scale, zp = _quantize_weight(w, 0, conv_weight_type)
            scale_shape = (1, w.shape[0], 1, 1)
        else:
            if op == "Gemm" and attrs.get("transB", 0):
                w = np.ascontiguousarray(w.T)  # [N, K] -> [K, N]
            q, scale, zp = _quantize_weight(w, 1, weight_type)
            scale_shape = (w.shape[1],)
        base = f"{label}__int8"
        wq, wz, ws = f"{base}/W", f"{base}/W_zero_point", f"{base}/W_scale"
        new_inits += [
            numpy_helper.from_array(q, wq),
            numpy_helper.from_array(zp, wz),
            numpy_helper.from_array(scale.reshape(scale_shape).astype(np.float32), ws),
        ]
        if op == "Conv":
            conv_attrs = {k: v for k, v in attrs.items() if k in ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")}
            out_nodes.append(helper.make_node("ConvInteger", [xq, wq, xz, wz], [f"{base}/i32"], name=f"{base}/ConvInteger", **conv_attrs))
        else:
            out_nodes.append(helper.make_node("MatMulInteger", [xq, wq, xz, wz], [f"{base}/i32"], name=f"{base}/MatMulInteger"))
        out_nodes.append(helper.make_node("Cast", [f"{base}/i32"], [f"{base}/f32"], name=f"{base}/Cast", to=TensorProto.FLOAT))
        out_nodes.append(helper.make_node("Mul", [xs, ws], [f"{base}/scale"], name=f"{base}/ScaleMul"))
        bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
        if bias is not None:
            out_nodes.append(helper.make_node("Mul", [f"{base}/f32", f"{base}/scale"], [f"{base}/scaled"], name=f"{base}/Mul"))
            b = const(bias)
            if op == "Conv" and b is not None:
                bname = f"{base}/B"
                new_inits.append(numpy_helper.from_array(b.reshape(1, -1, 1, 1).astype(np.float32), bname))
                bias = bname
            out_nodes.append(helper.make_node("Add", [f"{base}/scaled", bias], [y], name=f"{base}/AddBias"))
        else:
            out_nodes.append(helper.make_node("Mul", [f"{base}/f32", f"{base}/scale"], [y], name=f"{base}/Mul"))
        dead_weights.append(node.input[1])
        if op == "Conv" and len(node.input) > 2 and node.input[2]:
            dead_weights.append(node.input[2])
        report.quantized.append(label)

    replace_graph_body(graph, out_nodes, new_inits, dead_weights)
    # the rewritten value_info (shape hints) of replaced outputs are still valid: same names, shapes, dtype
    return report


def replace_graph_body(graph: onnx.GraphProto, out_nodes: list, new_inits: list, dead_weights) -> None:
    """Give ``graph`` the rewritten node list and the new initializers, dropping the float weights in
    ``dead_weights`` that nothing reads any more (a weight shared with a float node stays)."""
    still_used = {i for n in out_nodes for i in n.input}
    dead = {d for d in dead_weights if d not in still_used}
    kept_inits = [i for i in graph.initializer if i.name not in dead]
    out_nodes = [n for n in out_nodes if not (n.op_type == "Constant" and n.output[0] in dead)]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits + new_inits)
    del graph.node[:]
    graph.node.extend(out_nodes)


def _graph_feeds(model: onnx.ModelProto, timestep: int, rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Calibration feeds from the graph's own input types: batch 1, floats ~ N(0, 1), `timestep`, masks all true."""
    feeds = {}
    for i in model.graph.input:
        t = i.type.tensor_type
        shape = [d.dim_value if d.dim_value > 0 else 1 for d in t.shape.dim]
        if t.elem_type == TensorProto.FLOAT:
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
        elif t.elem_type == TensorProto.INT64:
            feeds[i.name] = np.full(shape, timestep, dtype=np.int64)
        elif t.elem_type == TensorProto.BOOL:
            feeds[i.name] = np.ones(shape, dtype=np.bool_)
        else:
            raise ValueError(f"calibration: input {i.name!r} has an element type this experiment does not feed")
    return feeds


def calibrate_conv_ranges(
    model: onnx.ModelProto,
    keep: Sequence[str] = DEFAULT_KEEP,
    timesteps: Sequence[int] = (999, 500, 50),
    runner=None,
    feeds: Optional[Sequence[Dict[str, np.ndarray]]] = None,
) -> Dict[str, tuple]:
    """min/max of every eligible Conv's input and output over runs of the float32 graph in onnxruntime.

    ``feeds``: the calibration inputs (``calibrate.prompt_calibration_feeds``: real prompts through the
    package). Without them, random N(0, 1) inputs at ``timesteps`` stand in (what a package without a
    tokenizer at hand can do)."""
    return calibrate_ranges(model, conv_calibration_tensors(model, keep), timesteps=timesteps, runner=runner, feeds=feeds)


def conv_calibration_tensors(model: onnx.ModelProto, keep: Sequence[str] = DEFAULT_KEEP) -> List[str]:
    """Input and output of every Conv that ``quantize_conv_static`` would rewrite."""
    keep_res = [re.compile(k) for k in keep]
    inits = {i.name for i in model.graph.initializer}
    wanted: List[str] = []
    for n in model.graph.node:
        if n.op_type == "Conv" and len(n.input) > 1 and n.input[1] in inits and not any(r.search(n.name) for r in keep_res):
            wanted += [n.input[0], n.output[0]]
    return wanted


def calibrate_ranges(
    model: onnx.ModelProto,
    wanted: Sequence[str],
    timesteps: Sequence[int] = (999, 500, 50),
    runner=None,
    feeds: Optional[Sequence[Dict[str, np.ndarray]]] = None,
) -> Dict[str, tuple]:
    """min/max of the float tensors ``wanted`` over runs of the float32 graph (``feeds`` as above)."""
    import tempfile

    from .runners import NodeRunner, output_ranges

    runner = runner or NodeRunner()
    wanted = list(dict.fromkeys(wanted))
    if not wanted:  # nothing to calibrate (e.g. the prior has no Conv): skip the runs
        return {}
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    have = {o.name for o in probe.graph.output}
    probe.graph.output.extend(helper.make_tensor_value_info(t, TensorProto.FLOAT, None) for t in wanted if t not in have)
    if feeds is None:
        rng = np.random.default_rng(0)
        feeds = [_graph_feeds(model, t, rng) for t in timesteps]
    if not feeds:
        raise ValueError("calibration: no calibration inputs")
    ranges: Dict[str, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        path = Path(tmp) / "probe.onnx"
        _save(probe, path)
        results = output_ranges(runner, [(path, f) for f in feeds])
    for out in results:
        for t in wanted:
            lo, hi = out[t]
            old = ranges.get(t, (0.0, 0.0))
            ranges[t] = (min(old[0], lo), max(old[1], hi))
    return ranges


def quantize_conv_static(model: onnx.ModelProto, ranges: Dict[str, tuple], keep: Sequence[str] = DEFAULT_KEEP) -> QuantizeReport:
    """Conv → QDQ form (DequantizeLinear → Conv → QuantizeLinear with calibrated activation ranges), which
    onnxruntime's graph optimiser fuses into QLinearConv. Per-channel int8 weights, int32 bias."""
    graph = model.graph
    keep_res = [re.compile(k) for k in keep]
    inits = {i.name: i for i in graph.initializer}
    report = QuantizeReport()
    new_inits: List[onnx.TensorProto] = []
    out_nodes: List[onnx.NodeProto] = []
    dq_of: Dict[str, str] = {}  # float tensor -> its Q→DQ copy
    renamed: Dict[str, str] = {}  # a quantised Conv's output -> the DQ output its consumers read now
    dead: List[str] = []

    def act_qparams(t: str):
        lo, hi = ranges[t]
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = (hi - lo) / 255.0 if hi > lo else 1.0
        zp = int(np.clip(np.rint(-lo / scale), 0, 255))
        return np.float32(scale), np.uint8(zp)

    def qdq(t: str, base: str) -> str:
        if t in dq_of:
            return dq_of[t]
        scale, zp = act_qparams(t)
        s, z = f"{base}/scale", f"{base}/zero_point"
        new_inits.extend([numpy_helper.from_array(np.array(scale), s), numpy_helper.from_array(np.array(zp), z)])
        out_nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [f"{base}/q"], name=f"{base}/QuantizeLinear"))
        out_nodes.append(helper.make_node("DequantizeLinear", [f"{base}/q", s, z], [f"{base}/dq"], name=f"{base}/DequantizeLinear"))
        dq_of[t] = f"{base}/dq"
        return dq_of[t]

    for node in graph.node:
        label = node.name or node.output[0]
        if node.op_type != "Conv" or len(node.input) < 2 or node.input[1] not in inits:
            out_nodes.append(node)
            continue
        if any(r.search(label) for r in keep_res):
            report.kept.append(label)
            out_nodes.append(node)
            continue
        if node.input[0] not in ranges or node.output[0] not in ranges:
            report.skipped.append(label)
            out_nodes.append(node)
            continue
        base = f"{label}__qdq"
        x = qdq(node.input[0], f"{base}/x")
        w = numpy_helper.to_array(inits[node.input[1]])
        q, wscale, _ = _quantize_weight(w, 0, "int8")
        wscale = wscale.reshape(-1)
        new_inits += [
            numpy_helper.from_array(q, f"{base}/W"),
            numpy_helper.from_array(wscale, f"{base}/W_scale"),
            numpy_helper.from_array(np.zeros(w.shape[0], np.int8), f"{base}/W_zero_point"),
        ]
        out_nodes.append(
            helper.make_node("DequantizeLinear", [f"{base}/W", f"{base}/W_scale", f"{base}/W_zero_point"], [f"{base}/Wdq"], name=f"{base}/W/DequantizeLinear", axis=0)
        )
        inputs = [x, f"{base}/Wdq"]
        if len(node.input) > 2 and node.input[2]:
            b = numpy_helper.to_array(inits[node.input[2]])
            xs, _ = act_qparams(node.input[0])
            bscale = (wscale * xs).astype(np.float32)
            bq = np.rint(b / bscale).astype(np.int32)
            new_inits += [
                numpy_helper.from_array(bq, f"{base}/B"),
                numpy_helper.from_array(bscale, f"{base}/B_scale"),
                numpy_helper.from_array(np.zeros(w.shape[0], np.int32), f"{base}/B_zero_point"),
            ]
            out_nodes.append(
                helper.make_node("DequantizeLinear", [f"{base}/B", f"{base}/B_scale", f"{base}/B_zero_point"], [f"{base}/Bdq"], name=f"{base}/B/DequantizeLinear", axis=0)
            )
            inputs.append(f"{base}/Bdq")
            dead.append(node.input[2])
        dead.append(node.input[1])
        y = node.output[0]
        conv = onnx.NodeProto()
        conv.CopyFrom(node)
        del conv.input[:]
        conv.input.extend(inputs)
        out_nodes.append(conv)
        ydq = qdq(y, f"{base}/y")
        renamed[y] = ydq
        report.quantized.append(label)

    for o in graph.output:  # a graph output produced by a quantised Conv keeps its name: read the float Conv output
        if o.name in renamed:
            del renamed[o.name]
    for n in out_nodes:
        for k, i in enumerate(n.input):
            if i in renamed and not n.op_type == "QuantizeLinear":
                n.input[k] = renamed[i]
    still_used = {i for n in out_nodes for i in n.input}
    kept_inits = [i for i in graph.initializer if i.name not in set(dead) - still_used]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits + new_inits)
    del graph.node[:]
    graph.node.extend(out_nodes)
    return report


EXTERNAL_DATA_FILE = "model.onnx.data"
EXTERNAL_THRESHOLD = int(1.8 * 2**30)  # as the exporter: protobuf cannot write 2 GiB in one message


def _save(model: onnx.ModelProto, path: Path) -> None:
    """Inline when the tensors fit in one protobuf, else with external data beside the graph (the
    int8 Karlo prior fits; its float32 original does not)."""
    nbytes = sum(len(t.raw_data) or t.ByteSize() for t in model.graph.initializer)
    data = path.parent / EXTERNAL_DATA_FILE
    if data.exists():
        data.unlink()  # the model is in memory (loaded with its external data): the old file is stale
    if nbytes < EXTERNAL_THRESHOLD:
        onnx.save_model(model, str(path))
    else:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=EXTERNAL_DATA_FILE)


def quantize_file(
    src: Path,
    dst: Path,
    static_conv: bool = False,
    static_matmul: bool = False,
    attention: bool = False,
    calibration_feeds: Optional[Sequence[Dict[str, np.ndarray]]] = None,
    runner=None,
    **kwargs,
) -> QuantizeReport:
    """``dst`` may be ``src`` (rewrite in place). ``static_matmul``: projections (and with ``attention``
    the attention MatMuls) in static QDQ form (quantize_matmul_qdq.py) instead of dynamic int8;
    needs ``static_conv``'s calibration run, which then measures both kinds of ranges at once."""
    from .quantize_matmul_qdq import calibration_tensors, matmul_targets, quantize_matmul_static

    if static_matmul and not static_conv:
        raise ValueError("static MatMul quantisation is calibrated with the convolutions: use it with static Conv")
    model = onnx.load(str(src))  # with its external data, if any
    reports: List[QuantizeReport] = []
    if static_conv:
        keep = kwargs.get("keep", DEFAULT_KEEP)
        targets = matmul_targets(model, keep, attention=attention) if static_matmul else {}
        conv_ranges = calibrate_conv_ranges(model, keep, runner=runner, feeds=calibration_feeds) if not targets else None
        if targets:  # one calibration run for both: the Conv tensors and the MatMul inputs
            wanted = conv_calibration_tensors(model, keep) + calibration_tensors(model, targets)
            ranges = calibrate_ranges(model, wanted, runner=runner, feeds=calibration_feeds)
            # MatMuls first: the Conv rewrite then leaves their QuantizeLinear reading the float Conv outputs
            reports.append(quantize_matmul_static(model, ranges, targets))
            conv_ranges = ranges
        reports.append(quantize_conv_static(model, conv_ranges, keep))
    if not static_matmul:
        reports.insert(0, quantize_model(model, **kwargs))
    report = QuantizeReport()
    for r in reports:
        report.quantized += r.quantized
        report.kept += r.kept
        report.skipped += r.skipped
    onnx.checker.check_model(model)
    dst.parent.mkdir(parents=True, exist_ok=True)
    _save(model, dst)
    return report


def _graph_size(folder: Path) -> int:
    return sum((folder / f).stat().st_size for f in ("model.onnx", EXTERNAL_DATA_FILE) if (folder / f).exists())


def quantize_components(
    pkg: Path,
    components: Sequence[str] = DEFAULT_COMPONENTS,
    calibration: Optional[Dict[str, Sequence[Dict[str, np.ndarray]]]] = None,
    log=print,
    **kwargs,
) -> Dict[str, QuantizeReport]:
    """Rewrite ``<pkg>/<component>/model.onnx`` in place for each component. ``calibration``: static-Conv
    calibration inputs per component (others fall back to random inputs)."""
    pkg = Path(pkg)
    reports = {}
    for name in components:
        graph = pkg / name / "model.onnx"
        if not graph.is_file():
            raise FileNotFoundError(f"{graph}: component {name!r} has no model.onnx")
        before = _graph_size(graph.parent)
        feeds = (calibration or {}).get(name)
        reports[name] = quantize_file(graph, graph, calibration_feeds=feeds, **kwargs)
        after = _graph_size(graph.parent)
        log(f"{name}: {reports[name].summary()}; {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    return reports


def quantize_package(
    src: Path, dst: Path, components: Sequence[str] = DEFAULT_COMPONENTS, log=print, **kwargs
) -> Dict[str, QuantizeReport]:
    src, dst = Path(src), Path(dst)
    if not (src / "model_index.json").is_file():
        raise FileNotFoundError(f"{src}: not a model package (no model_index.json)")
    if dst.exists() and any(dst.iterdir()):
        raise FileExistsError(f"{dst}: output directory exists and is not empty")
    for name in components:
        if not (src / name / "model.onnx").is_file():
            raise FileNotFoundError(f"{src / name / 'model.onnx'}: component {name!r} has no model.onnx")
    shutil.copytree(src, dst, dirs_exist_ok=True)
    reports = quantize_components(dst, components, log=log, **kwargs)
    # a note beside the graphs (not part of the contract, which the loader does not read yet)
    (dst / "int8_quantization.json").write_text(
        json.dumps({n: {"quantized": len(r.quantized), "kept": r.kept, "skipped": len(r.skipped)} for n, r in reports.items()}, indent=1),
        encoding="utf-8",
    )
    return reports


INT8_DRIFT_FILE = "int8_drift.json"  # beside a quantize_int8 copy's graphs; not part of the contract
GRAPH_COMPONENTS = ("text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last", "image_encoder")
PRECISIONS = ("float32", "float16", "int8")


def record_precision(pkg: Path, precision: Dict[str, str]) -> None:
    """Write ``"precision"`` into ``<component>/config.json`` (the package contract's per-component
    record; the app reads it and shows it in the package list). Absent means float32, so a float32
    export stays byte-identical to what diffusers' save_pretrained writes."""
    for name, value in precision.items():
        if value not in PRECISIONS:
            raise ValueError(f"{name}: precision must be one of {PRECISIONS}, not {value!r}")
        path = Path(pkg) / name / "config.json"
        if not path.is_file():
            continue  # a package without this component (e.g. no image_encoder)
        config = json.loads(path.read_text(encoding="utf-8"))
        config["precision"] = value
        path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def int8_in_place(
    pkg: Path,
    runner,
    tokenizer=None,
    token_ids=None,
    prompts: Optional[Sequence[str]] = None,
    components: Sequence[str] = DEFAULT_COMPONENTS,
    keep: Sequence[str] = DEFAULT_KEEP,
    log=print,
    drift_against: Optional[Path] = None,
    drift_file: bool = False,
    static_matmul: bool = False,
    attention: bool = False,
) -> Dict[str, QuantizeReport]:
    """The exporter's ``--int8`` step on a float32 package: static QDQ Conv calibrated on real prompts
    (``calibrate.prompt_calibration_feeds``, run before any graph changes), dynamic int8 MatMul/Gemm,
    ``keep`` and every non-Conv/MatMul op in float32; then the precision of every component recorded.
    ``static_matmul`` (an experiment, off: measured no faster, README "int8 packages"): the UNets'
    (``STATIC_MATMUL_COMPONENTS``) projections in static QDQ form from the same calibration run
    (``quantize_matmul_qdq``), with ``attention`` their attention MatMuls too (measured slower).
    ``drift_against``: a package folder holding the float32 graphs (a copy, or the source of a copy):
    then int8 vs float32 per graph is reported on held-out prompt inputs (and written to
    ``INT8_DRIFT_FILE`` beside the graphs with ``drift_file``)."""
    from .calibrate import DEFAULT_PROMPTS, drift_report, format_drift, prompt_calibration_feeds

    pkg = Path(pkg)
    calibration = None
    if tokenizer is not None or token_ids is not None:
        calibration = prompt_calibration_feeds(pkg, runner, tokenizer=tokenizer, token_ids=token_ids, prompts=prompts or DEFAULT_PROMPTS, log=log)
    else:
        log("calibration: no tokenizer or token ids: random N(0, 1) inputs at t = 999, 500, 50 stand in for prompts")
    reference = None
    if drift_against is not None and calibration is not None:
        # held-out inputs (another seed: other noise, other samples) made before any graph changes
        held_out = prompt_calibration_feeds(pkg, runner, tokenizer=tokenizer, token_ids=token_ids, prompts=prompts or DEFAULT_PROMPTS, seed=1, log=lambda _m: None)
        reference = {name: Path(drift_against) / name / "model.onnx" for name in components}
    reports: Dict[str, QuantizeReport] = {}
    for name in components:
        # only the UNets' projections can be static: their calibration covers the sampling timesteps;
        # the prior's is one timestep of many, and its activations move with it
        static = static_matmul and name in STATIC_MATMUL_COMPONENTS
        reports.update(
            quantize_components(
                pkg,
                [name],
                calibration=calibration,
                log=log,
                static_conv=True,
                static_matmul=static,
                attention=attention and static,
                conv=False,
                keep=keep,
                runner=runner,
            )
        )
    record_precision(pkg, {name: ("int8" if name in reports and reports[name].quantized else "float32") for name in GRAPH_COMPONENTS})
    if reference is not None:
        drift = drift_report(reference, {name: pkg / name / "model.onnx" for name in components}, held_out, runner)
        for line in format_drift(drift):
            log(line)
        if drift_file:
            (pkg / INT8_DRIFT_FILE).write_text(json.dumps(drift, indent=1), encoding="utf-8")
    return reports


def _read_token_ids(path: Path):
    """``{"prompts": [...], "input_ids": [[...]], "attention_mask": [[...]]}``: ids for the prompts and a
    last row for "" (made by the app's own tokenizer, e.g. scripts/bench.ts, where Python has none)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        prompts, ids, mask = data["prompts"], np.array(data["input_ids"], np.int64), np.array(data["attention_mask"], bool)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: expected prompts, input_ids and attention_mask ({exc})") from exc
    return prompts, (ids, mask)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m unclip_export.quantize_int8", description=__doc__.split("\n")[0])
    p.add_argument("in_dir", type=Path)
    p.add_argument("out_dir", type=Path)
    p.add_argument("--components", nargs="+", default=list(DEFAULT_COMPONENTS))
    p.add_argument("--keep", nargs="*", default=None, help="regexes of node names kept float32 (default: %(default)s → DEFAULT_KEEP)")
    p.add_argument("--no-conv", action="store_true", help="quantise MatMul/Gemm only")
    p.add_argument("--weight-type", choices=("int8", "uint8"), default="int8")
    p.add_argument("--conv-weight-type", choices=("int8", "uint8"), default=None)
    p.add_argument(
        "--static-conv",
        action="store_true",
        help="Conv in QDQ form with activation ranges calibrated by running the float32 graph in onnxruntime-node "
        "(fused into QLinearConv by onnxruntime) instead of dynamic ConvInteger",
    )
    p.add_argument(
        "--token-ids",
        type=Path,
        help="with --static-conv: calibrate on these prompts (JSON: prompts, input_ids, attention_mask with a last row "
        "for \"\") run through the package, as the exporter's --int8 does; records each component's precision",
    )
    p.add_argument(
        "--static-matmul",
        action="store_true",
        help="with --token-ids: the UNets' projections in static QDQ form instead of dynamic (an experiment: measured no faster)",
    )
    p.add_argument(
        "--attention",
        action="store_true",
        help="with --static-matmul: also the UNets' attention MatMuls (q·kᵀ, softmax·v) in static QDQ form (measured slower)",
    )
    a = p.parse_args(argv)
    try:
        if (a.static_matmul or a.attention) and a.token_ids is None:
            raise ValueError("--static-matmul and --attention are calibrated on prompts: use them with --static-conv --token-ids")
        if a.attention and not a.static_matmul:
            raise ValueError("--attention quantises the attention MatMuls in the static form: use it with --static-matmul")
        if a.token_ids is not None:
            if not a.static_conv:
                raise ValueError("--token-ids calibrates static Conv: use it with --static-conv")
            from .runners import NodeRunner

            prompts, token_ids = _read_token_ids(a.token_ids)
            if not (a.in_dir / "model_index.json").is_file():
                raise FileNotFoundError(f"{a.in_dir}: not a model package (no model_index.json)")
            if a.out_dir.exists() and any(a.out_dir.iterdir()):
                raise FileExistsError(f"{a.out_dir}: output directory exists and is not empty")
            shutil.copytree(a.in_dir, a.out_dir, dirs_exist_ok=True)
            int8_in_place(
                a.out_dir,
                NodeRunner(),
                token_ids=token_ids,
                prompts=prompts,
                components=a.components,
                keep=DEFAULT_KEEP if a.keep is None else a.keep,
                drift_against=a.in_dir,
                drift_file=True,
                static_matmul=a.static_matmul,
                attention=a.attention,
            )
            return 0
        quantize_package(
            a.in_dir,
            a.out_dir,
            components=a.components,
            keep=DEFAULT_KEEP if a.keep is None else a.keep,
            conv=not a.no_conv and not a.static_conv,
            static_conv=a.static_conv,
            weight_type=a.weight_type,
            conv_weight_type=a.conv_weight_type,
        )
    except (FileNotFoundError, FileExistsError, NotImplementedError, ValueError, RuntimeError) as exc:
        # RuntimeError: RunnerError (no onnxruntime-node) and CalibrationError
        print(f"quantize_int8: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
