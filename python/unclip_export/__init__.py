"""Export diffusers unCLIP (Karlo) pipelines to the ONNX model package read by unCLIP Studio.

Modules, one job each:

* ``contract``   – names, dtypes and shapes of every graph, and the package file layout
* ``wrappers``   – torch modules that give each diffusers/transformers module its graph signature
* ``symbolics``  – ONNX lowering of ``repeat_interleave`` that keeps the batch axis dynamic
* ``onnx_io``    – export one graph, fix its declared shapes, save it (with or without external data)
* ``fp16``       – turn an exported float32 graph into a float16 one with float32 inputs/outputs
* ``fp16_drift`` – where an fp16 package drifts from its float32 export (per stage, per graph, per op type)
* ``package``    – write the whole package (configs, tokenizer, sidecars, model_index, graphs)
* ``runners``    – run ONNX graphs (onnxruntime, onnx reference evaluator, onnxruntime-node)
* ``verify``     – compare every exported graph with torch on random inputs
* ``loading``    – the only diffusers-dependent part: load the pipelines into ``Components``
* ``cli``        – command-line interface (``export_karlo.py``)
"""

__all__ = [
    "contract",
    "wrappers",
    "symbolics",
    "onnx_io",
    "fp16",
    "fp16_drift",
    "package",
    "runners",
    "verify",
    "loading",
    "cli",
]
