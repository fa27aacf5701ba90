/**
 * The noise thread draws step-noise rows ahead (noisePrefetch.ts). What it hands over must be
 * exactly what NoiseStream draws on the stage's own thread, from any first row, with rows skipped,
 * with several stages interleaved, and after the thread is gone; and the loop must say so when a
 * row is asked for twice, as the stream does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoiseStream } from "../../server/unclip/noise";
import { MIN_PREFETCH_ROW, noiseThreadFromEnv, seededNoiseRows, startNoiseThread, stopNoiseThread } from "../../server/unclip/noisePrefetch";

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Row i of a stream drawn on this thread, one row after another from row 0. */
function referenceRows(seed: number, stream: string, rowSize: number, count: number): Buffer[] {
  const s = new NoiseStream(seed, stream);
  return Array.from({ length: count }, () => Buffer.from(bytes(s.randn(rowSize))));
}

describe("noise drawn ahead on the noise thread", () => {
  beforeAll(async () => {
    expect(await startNoiseThread()).toBe(true);
  });
  afterAll(() => stopNoiseThread());

  it("hands over the same rows as the stream, bit for bit, from the first row or a later one", () => {
    const rowSize = MIN_PREFETCH_ROW + 3; // odd: rows straddle the stream's Box–Muller pairs
    const expected = referenceRows(5, "super_res:steps", rowSize, 6);
    const rows = seededNoiseRows(5, "super_res:steps", rowSize, 6, 0);
    expect(rows.constructor.name).toBe("PrefetchedRows");
    for (let i = 0; i < 6; i++) expect(bytes(rows.row(i)).equals(expected[i])).toBe(true);
    rows.close();

    const resumed = seededNoiseRows(5, "super_res:steps", rowSize, 6, 3); // a partial run from step 3
    for (const i of [3, 5]) expect(bytes(resumed.row(i)).equals(expected[i])).toBe(true); // row 4 skipped
    resumed.close();
  });

  it("keeps interleaved stages apart and refuses a row asked for twice", () => {
    const rowSize = MIN_PREFETCH_ROW * 2;
    const a = seededNoiseRows(1, "decoder:steps", rowSize, 4, 0);
    const b = seededNoiseRows(2, "decoder:steps", rowSize, 4, 0);
    const ea = referenceRows(1, "decoder:steps", rowSize, 4);
    const eb = referenceRows(2, "decoder:steps", rowSize, 4);
    for (let i = 0; i < 4; i++) {
      expect(bytes(a.row(i)).equals(ea[i])).toBe(true);
      expect(bytes(b.row(i)).equals(eb[i])).toBe(true);
    }
    expect(() => a.row(2)).toThrow(/row 2 was already drawn/);
    a.close();
    b.close();
  });

  it("draws small rows on the stage's own thread (a message would cost more than the draw)", () => {
    const rows = seededNoiseRows(3, "prior:steps", 768, 24, 0);
    expect(rows.constructor.name).toBe("LocalRows");
    expect(bytes(rows.row(0)).equals(referenceRows(3, "prior:steps", 768, 1)[0])).toBe(true);
  });

  it("goes on with the same rows on its own thread when the noise thread is gone", () => {
    const rowSize = MIN_PREFETCH_ROW + 1;
    const expected = referenceRows(8, "super_res:steps", rowSize, 5);
    const rows = seededNoiseRows(8, "super_res:steps", rowSize, 5, 0);
    expect(bytes(rows.row(0)).equals(expected[0])).toBe(true);
    stopNoiseThread(); // what a crash or a hung thread leads to
    for (let i = 1; i < 5; i++) expect(bytes(rows.row(i)).equals(expected[i])).toBe(true);
    // and later stages draw here from the start
    expect(seededNoiseRows(8, "super_res:steps", rowSize, 5, 0).constructor.name).toBe("LocalRows");
  });
});

describe("the noise thread in a process of its own", () => {
  it("keeps the process alive while started, draws the rows, and never keeps it alive after", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "noise-thread-"));
    try {
      const script = path.join(dir, "main.mts");
      const module = path.resolve(import.meta.dirname, "../../server/unclip/noisePrefetch.ts");
      writeFileSync(
        script,
        [
          `import { seededNoiseRows, startNoiseThread } from ${JSON.stringify(module)};`,
          // an await on the (unref'd) thread alone: without the ref while starting, Node ends the process here (exit 13)
          `const started = await startNoiseThread();`,
          `const rows = seededNoiseRows(4, "decoder:steps", 8192, 3, 0);`,
          `rows.row(0); rows.row(1);`,
          `console.log(JSON.stringify({ started, kind: rows.constructor.name }));`,
        ].join("\n"),
      );
      // the process must end by itself once its work is done: the thread is unref'd
      const r = spawnSync(process.execPath, ["--import", "tsx", script], {
        cwd: path.resolve(import.meta.dirname, "../.."),
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ started: true, kind: "PrefetchedRows" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("UNCLIP_NOISE_THREAD", () => {
  it("is on unless set to 0, false, off or no", () => {
    expect(noiseThreadFromEnv({})).toBe(true);
    expect(noiseThreadFromEnv({ UNCLIP_NOISE_THREAD: "1" })).toBe(true);
    for (const off of ["0", "false", "OFF", " no "]) expect(noiseThreadFromEnv({ UNCLIP_NOISE_THREAD: off })).toBe(false);
  });
});
