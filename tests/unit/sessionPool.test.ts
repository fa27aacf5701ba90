import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PackageError, UnclipError } from "../../server/errors";
import { cudaLibraryInstalled } from "../../server/runtime/device";
import { loadModelPackage, type ModelPackage } from "../../server/runtime/modelPackage";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import type { BoolNdArray, Float32NdArray } from "../../server/unclip/tensor";
import { describeWithFixtures, FIXTURES_DIR, TINY_PACKAGE } from "../helpers/fixtures";

const EXTERNAL_PRIOR = path.join(FIXTURES_DIR, "extras", "prior-external-data");
// On a machine with the CUDA build, `auto` may rightly pick CUDA and "cuda" may work.
const HAS_CUDA_BUILD = cudaLibraryInstalled();

/** One thread per session: the test machine's cores are shared. */
const TUNING = { intraOpNumThreads: 1 };

const tempDirs: string[] = [];

/** A writable copy under os.tmpdir(); files are copied, never linked, so the fixtures stay untouched. */
function copyPackage(src: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "unclip-pool-"));
  tempDirs.push(root);
  const dest = path.join(root, path.basename(src));
  const copyDir = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const a = path.join(from, entry.name);
      const b = path.join(to, entry.name);
      if (entry.isDirectory()) copyDir(a, b);
      else {
        copyFileSync(a, b);
        chmodSync(b, 0o644);
      }
    }
  };
  copyDir(src, dest);
  return dest;
}

afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Seeded normal samples (mulberry32 + Box–Muller), so a failure reproduces. */
function randn(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - uniform();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Prior inputs for batch B: random latents and text states, masks with B different prompt lengths. */
function priorInputs(batch: number, seed: number) {
  const D = 32;
  const L = 77;
  const f = (shape: number[], s: number): Float32NdArray => ({
    dtype: "float32",
    shape,
    data: randn(
      shape.reduce((x, y) => x * y, 1),
      s,
    ),
  });
  const mask = new Uint8Array(batch * L);
  for (let b = 0; b < batch; b++) mask.fill(1, b * L, b * L + 3 + 5 * b);
  const attentionMask: BoolNdArray = { dtype: "bool", shape: [batch, L], data: mask };
  return {
    hiddenStates: f([batch, D], seed),
    projEmbedding: f([batch, D], seed + 1),
    encoderHiddenStates: f([batch, L, D], seed + 2),
    attentionMask,
  };
}

describeWithFixtures("SessionPool", () => {
  let pkg: ModelPackage;
  beforeAll(async () => {
    pkg = await loadModelPackage(TINY_PACKAGE);
  });

  it("creates a session once and reuses it", async () => {
    const pool = new SessionPool("cpu", TUNING);
    try {
      const first = await pool.get(pkg, "prior");
      expect(pool.stats.sessionsCreated).toBe(1);
      expect(pool.stats.sessionCreateMs).toBeGreaterThan(0);
      const second = await pool.get(pkg, "prior");
      expect(pool.stats.sessionsCreated).toBe(1);
      expect(pool.size).toBe(1);
      expect(second.file).toBe(first.file);
      expect(first.file).toBe(path.join(pkg.dir, "prior", "model.onnx"));
      expect(first.component).toBe("prior");

      // concurrent first requests share one creation
      const [a, b] = await Promise.all([pool.get(pkg, "text_proj"), pool.get(pkg, "text_proj")]);
      expect(a.file).toBe(b.file);
      expect(pool.stats.sessionsCreated).toBe(2);
      expect(pool.size).toBe(2);
      expect(pool.stats.sessionRuns).toBe(0);
    } finally {
      await pool.release();
    }
  });

  it("release() empties the pool and a later get creates the session again", async () => {
    const pool = new SessionPool("cpu", TUNING);
    try {
      await pool.get(pkg, "prior");
      expect(pool.size).toBe(1);
      await pool.release();
      expect(pool.size).toBe(0);
      expect(pool.stats.sessionsCreated).toBe(1);
      const again = await pool.get(pkg, "prior");
      expect(pool.stats.sessionsCreated).toBe(2);
      expect(pool.size).toBe(1);
      // the re-created session works
      const inputs = priorInputs(1, 7);
      const out = await again.run({
        hidden_states: new ort.Tensor("float32", inputs.hiddenStates.data, inputs.hiddenStates.shape),
        timestep: new ort.Tensor("int64", new BigInt64Array([500n]), [1]),
        proj_embedding: new ort.Tensor("float32", inputs.projEmbedding.data, inputs.projEmbedding.shape),
        encoder_hidden_states: new ort.Tensor("float32", inputs.encoderHiddenStates.data, inputs.encoderHiddenStates.shape),
        attention_mask: new ort.Tensor("bool", inputs.attentionMask.data, inputs.attentionMask.shape),
      });
      expect(out.predicted_image_embedding.dims).toEqual([1, 32]);
      expect(pool.stats.sessionRuns).toBe(1);
      expect(pool.stats.sessionRunMs).toBeGreaterThan(0);
    } finally {
      await pool.release();
    }
  });

  it("a failing run is an UnclipError naming the graph, and still counted", async () => {
    const pool = new SessionPool("cpu", TUNING);
    try {
      const session = await pool.get(pkg, "prior");
      const err = await session.run({ hidden_states: new ort.Tensor("float32", new Float32Array(32), [1, 32]) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnclipError);
      expect((err as UnclipError).code).toBe("session_run");
      expect((err as UnclipError).where.file).toBe(session.file);
      expect((err as UnclipError).message).toContain(session.file);
      expect(pool.stats.sessionRuns).toBe(1);
    } finally {
      await pool.release();
    }
  });

  it('reports provider "cpu" for device "cpu"', async () => {
    const pool = new SessionPool("cpu", TUNING);
    try {
      expect((await pool.get(pkg, "text_proj")).provider).toBe("cpu");
    } finally {
      await pool.release();
    }
  });

  it.skipIf(HAS_CUDA_BUILD)('reports provider "cpu" for device "auto" without the CUDA build', async () => {
    const pool = new SessionPool("auto", TUNING);
    try {
      expect(pool.device).toBe("auto");
      expect((await pool.get(pkg, "text_proj")).provider).toBe("cpu");
      // and the components record it for the run report
      const unclip = new UnclipComponents(pkg, pool);
      await unclip.prepare(["prior"]);
      expect(unclip.providers).toEqual({ prior: "cpu" });
    } finally {
      await pool.release();
    }
  });

  it.skipIf(HAS_CUDA_BUILD)('device "cuda" without the CUDA build: cuda_unavailable, saying how to install it', async () => {
    const pool = new SessionPool("cuda", TUNING);
    try {
      const err = await pool.get(pkg, "prior").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnclipError);
      expect(err).not.toBeInstanceOf(PackageError); // the package is fine
      const e = err as UnclipError;
      expect(e.code).toBe("cuda_unavailable");
      expect(e.kind).toBe("runtime");
      expect(e.message).toContain('device "cuda"');
      expect(e.message).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 npm install");
      expect(e.message).toContain("--device auto");
      expect(pool.size).toBe(0);
      expect(pool.stats.sessionsCreated).toBe(0);
    } finally {
      await pool.release();
    }
    // a failed CUDA request leaves `auto` working on the CPU
    const auto = new SessionPool("auto", TUNING);
    try {
      expect((await auto.get(pkg, "prior")).provider).toBe("cpu");
    } finally {
      await auto.release();
    }
  });

  describe("external data", () => {
    let externalDir: string;
    beforeAll(() => {
      externalDir = copyPackage(TINY_PACKAGE);
      for (const name of ["model.onnx", "model.onnx.data"]) {
        const dest = path.join(externalDir, "prior", name);
        copyFileSync(path.join(EXTERNAL_PRIOR, name), dest);
        chmodSync(dest, 0o644);
      }
    });

    it("a prior stored as model.onnx + model.onnx.data loads and matches the plain prior", async () => {
      const pool = new SessionPool("cpu", TUNING);
      try {
        const plain = await UnclipComponents.load(TINY_PACKAGE, pool);
        const external = await UnclipComponents.load(externalDir, pool);
        await external.prepare(["prior"]);
        expect(external.providers.prior).toBe("cpu");
        // two files, two sessions
        await plain.prepare(["prior"]);
        expect(pool.stats.sessionsCreated).toBe(2);

        for (const [batch, timestep, seed] of [
          [1, 999, 11],
          [3, 417, 23],
          [2, 0, 37],
        ]) {
          const inputs = priorInputs(batch, seed);
          const a = await plain.prior({ ...inputs, timestep });
          const b = await external.prior({ ...inputs, timestep });
          expect(b.shape).toEqual([batch, 32]);
          expect(a.shape).toEqual(b.shape);
          expect(a.data.some((v) => v !== 0)).toBe(true);
          expect(b.data.every(Number.isFinite)).toBe(true);
          expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(1e-6);
        }
        expect(pool.stats.sessionRuns).toBe(6);
      } finally {
        await pool.release();
      }
    });

    it("without its model.onnx.data the graph is reported as unloadable, naming it", async () => {
      const dir = copyPackage(TINY_PACKAGE);
      const file = path.join(dir, "prior", "model.onnx");
      copyFileSync(path.join(EXTERNAL_PRIOR, "model.onnx"), file);
      chmodSync(file, 0o644);
      const pool = new SessionPool("cpu", TUNING);
      try {
        const unclip = await UnclipComponents.load(dir, pool);
        const err = await unclip.prepare(["prior"]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PackageError);
        expect((err as PackageError).code).toBe("corrupt_graph");
        expect((err as PackageError).where.file).toBe(file);
        expect((err as PackageError).message).toContain("onnxruntime cannot load");
        expect(pool.stats.sessionRuns).toBe(0);
        expect(pool.size).toBe(0);
      } finally {
        await pool.release();
      }
    });
  });
});
