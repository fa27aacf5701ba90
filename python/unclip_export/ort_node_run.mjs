// Runs ONNX graphs with onnxruntime-node (the runtime the model package is made for).
//
// Usage: node ort_node_run.mjs <dir>/manifest.json
// manifest: {"jobs": [{"model": "/abs/model.onnx", "inputs": [{"name", "dtype", "shape", "file"}]}]}
// Input files are raw little-endian tensors relative to <dir>. Writes <dir>/results.json:
// {"jobs": [{"outputs": [{"name", "dtype", "shape", "file"}]}]} with the output tensors beside it.
// With "reduce": "minmax" in the manifest each output is only {"name", "min", "max", "shape"} (calibration: a
// probe graph's every intermediate would be gigabytes on disk, its range is two numbers).
// onnxruntime-node is resolved from this file's location (the repository's node_modules) or NODE_PATH.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  bool: Uint8Array,
  uint8: Uint8Array,
  float16: Uint16Array,
};

function tensorFromFile(spec, dir) {
  const buf = fs.readFileSync(path.join(dir, spec.file));
  // Copy into a fresh ArrayBuffer: typed arrays need aligned offsets.
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const Ctor = ARRAYS[spec.dtype];
  if (!Ctor) throw new Error(`unsupported input dtype ${spec.dtype}`);
  return new ort.Tensor(spec.dtype, new Ctor(ab), spec.shape);
}

const manifestPath = process.argv[2];
if (!manifestPath) {
  console.error('usage: node ort_node_run.mjs <manifest.json>');
  process.exit(2);
}
const dir = path.dirname(manifestPath);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const sessions = new Map();
const results = [];
for (const [j, job] of manifest.jobs.entries()) {
  let session = sessions.get(job.model);
  if (!session) {
    session = await ort.InferenceSession.create(job.model);
    sessions.set(job.model, session);
  }
  const feeds = {};
  for (const spec of job.inputs) feeds[spec.name] = tensorFromFile(spec, dir);
  const out = await session.run(feeds);
  const outputs = [];
  session.outputNames.forEach((name, k) => {
    const t = out[name];
    if (manifest.reduce === 'minmax') {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of t.data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      outputs.push({ name, min: Number(lo), max: Number(hi), shape: t.dims.map(Number) });
      return;
    }
    const file = `out_${j}_${k}.bin`;
    fs.writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    outputs.push({ name, dtype: t.type, shape: t.dims.map(Number), file });
  });
  results.push({ outputs });
}
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ jobs: results }));
