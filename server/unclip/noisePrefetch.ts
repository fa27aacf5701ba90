/**
 * Step noise drawn ahead, on a thread of its own. A seeded stage adds one row of fresh Gaussian
 * noise per step; drawing it (Box–Muller's log, cos and sin for every value) was the largest part
 * of a run's time outside `session.run` (≈ 40 ms per unclip-small run, issue #22). The rows depend
 * only on (seed, stream), so a second thread can draw row i + 1 while this one waits in the model
 * call of step i, on a core that onnxruntime leaves idle part of the time. The values are the
 * same as drawing them here: the same NoiseStream, the same rows in the same order.
 *
 * How: one "noise thread" per process (per thread that runs pipelines), started with the first
 * seeded stage and kept; each stage's stream is a job with two slots of shared memory. When the
 * sampler takes row i, the thread is asked for row i + 1 into the other slot (the one the sampler
 * finished with). The thread only ever does what it was asked, so waiting for a requested row
 * never depends on this thread: no deadlock, also with several runs interleaved.
 *
 * Correctness never depends on the thread: until it has started, for small rows (where a message
 * costs more than the draw), with `UNCLIP_NOISE_THREAD=0`, or when a row does not arrive within
 * `WAIT_LIMIT_MS` (the thread died or hangs), rows are drawn here from a stream of this thread's
 * own, advanced to the same place.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { NoiseStream } from "./noise";

/** Messages to the noise thread (noiseWorker.ts). */
export type ToNoiseThread =
  | { type: "open"; job: number; seed: number; stream: string; rowSize: number; ready: SharedArrayBuffer; rows: SharedArrayBuffer }
  | { type: "draw"; job: number; row: number; slot: number }
  | { type: "close"; job: number };

/** Rows below this many values are drawn here: posting a message costs about as much as drawing them. */
export const MIN_PREFETCH_ROW = 4096;
/** How long a requested row may take before this thread draws it itself (the thread is then given up). */
const WAIT_LIMIT_MS = 10_000;
const SLOTS = 2;

/** UNCLIP_NOISE_THREAD: "0", "false", "off" or "no" draws all noise on the thread that runs the stage. */
export function noiseThreadFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|off|no)$/i.test(env.UNCLIP_NOISE_THREAD?.trim() ?? "");
}

/** Rows 0 … rowCount − 1 of a seeded stream, `rowSize` values each, asked for in increasing order. */
export interface NoiseRows {
  /** Row i (valid until the next call: a slot is reused two rows later). */
  row(i: number): Float32Array;
  /** The stage is done with the rows (also on cancel or error): the thread forgets the job. */
  close(): void;
}

export function seededNoiseRows(seed: number, stream: string, rowSize: number, rowCount: number, firstRow: number): NoiseRows {
  const thread = rowSize >= MIN_PREFETCH_ROW && rowCount > firstRow ? NoiseThread.get() : null;
  return thread?.isReady ? new PrefetchedRows(thread, seed, stream, rowSize, rowCount, firstRow) : new LocalRows(seed, stream, rowSize);
}

/**
 * Rows of a seeded stream drawn in order, on whichever thread holds it: the stage's own (`row`, into
 * one reused buffer) or the noise thread (`rowInto` a shared slot).
 */
export class LocalRows implements NoiseRows {
  private readonly stream: NoiseStream;
  /** The row the stream draws next. */
  private next = 0;
  private buffer: Float32Array | null = null;

  constructor(
    seed: number,
    streamName: string,
    private readonly rowSize: number,
  ) {
    this.stream = new NoiseStream(seed, streamName);
  }

  /** The first row `rowInto` can still draw (the stream only goes forward). */
  get nextRow(): number {
    return this.next;
  }

  row(i: number): Float32Array {
    return this.rowInto(i, (this.buffer ??= new Float32Array(this.rowSize)));
  }

  /** Row i drawn into `out` (`rowSize` values), the stream advanced past the rows before it. */
  rowInto(i: number, out: Float32Array): Float32Array {
    if (i < this.next) throw new Error(`${this.stream.stream}: row ${i} was already drawn (the stream is at row ${this.next})`);
    this.stream.skip((i - this.next) * this.rowSize);
    this.next = i + 1;
    return this.stream.randnInto(out);
  }

  close(): void {}
}

/** Rows the noise thread draws one ahead. */
class PrefetchedRows implements NoiseRows {
  private static nextJob = 1;
  private readonly job = PrefetchedRows.nextJob++;
  /** Per slot: row + 1 of the row it holds (written by the noise thread), 0 for none. */
  private readonly ready = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly rows: Float32Array<SharedArrayBuffer>;
  /** The row requested into each slot, −1 for none. */
  private readonly requested = new Array<number>(SLOTS).fill(-1);
  private local: LocalRows | null = null;
  /** The row the caller takes next at the earliest (rows go forward, as the stream does). */
  private next = 0;
  private closed = false;

  constructor(
    private readonly thread: NoiseThread,
    private readonly seed: number,
    private readonly stream: string,
    private readonly rowSize: number,
    private readonly rowCount: number,
    firstRow: number,
  ) {
    this.rows = new Float32Array(new SharedArrayBuffer(SLOTS * rowSize * Float32Array.BYTES_PER_ELEMENT));
    thread.post({
      type: "open",
      job: this.job,
      seed,
      stream,
      rowSize,
      ready: this.ready.buffer,
      rows: this.rows.buffer,
    });
    this.request(firstRow);
  }

  row(i: number): Float32Array {
    if (this.local) return this.local.row(i);
    if (i < this.next) throw new Error(`${this.stream}: row ${i} was already drawn (the stream is at row ${this.next})`);
    this.next = i + 1;
    if (!this.thread.alive) return this.drawLocally(i);
    const slot = i % SLOTS;
    if (this.requested[slot] !== i) this.request(i); // not the row after the last one: ask for it now
    if (!this.waitFor(slot, i)) return this.drawLocally(i);
    if (i + 1 < this.rowCount) this.request(i + 1);
    else this.close(); // the last row: the thread can forget the job (this slot stays readable)
    return this.rows.subarray(slot * this.rowSize, (slot + 1) * this.rowSize);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.thread.post({ type: "close", job: this.job });
  }

  private request(row: number): void {
    const slot = row % SLOTS;
    this.requested[slot] = row;
    this.thread.post({ type: "draw", job: this.job, row, slot });
  }

  /** Block until the slot holds `row` (the thread has had a whole model call to draw it, so this is rarely a wait). */
  private waitFor(slot: number, row: number): boolean {
    const deadline = performance.now() + WAIT_LIMIT_MS;
    for (;;) {
      const held = Atomics.load(this.ready, slot);
      if (held === row + 1) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.ready, slot, held, Math.min(left, 100));
    }
  }

  /** The thread is gone, or the row did not arrive: give the thread up and go on with a stream of this thread's own. */
  private drawLocally(i: number): Float32Array {
    if (this.thread.alive)
      console.warn(`noise thread: row ${i} of ${this.stream} did not arrive within ${WAIT_LIMIT_MS} ms; drawing the noise on this thread from now on`);
    this.thread.giveUp();
    this.close();
    this.local = new LocalRows(this.seed, this.stream, this.rowSize);
    return this.local.row(i);
  }
}

/** The process's (this thread's) noise thread: started once, kept, given up for good if it fails. */
class NoiseThread {
  private static instance: NoiseThread | null | undefined;
  private worker: Worker | null;
  isReady = false;
  /** Settles when the thread is ready (true) or given up (false). */
  readonly started: Promise<boolean>;
  private settle: (ready: boolean) => void = () => {};

  private constructor(bootFile: string) {
    this.started = new Promise((resolve) => (this.settle = resolve));
    this.worker = new Worker(bootFile, { name: "unclip-noise", execArgv: [] });
    this.worker.on("message", (m) => {
      if (m !== "ready") return;
      this.isReady = true;
      this.settle(true);
    });
    this.worker.on("error", (err) => {
      console.warn(`noise thread failed (${err.message}); noise is drawn on the stage's thread`);
      this.giveUp();
    });
    this.worker.on("exit", () => this.giveUp());
    // the thread never keeps a process alive (a CLI run ends when its work does); after the
    // listeners: adding a "message" listener refs the worker's port again
    this.worker.unref();
  }

  /** Give the thread up for good, whether or not it was started. */
  static stop(): void {
    NoiseThread.instance?.giveUp();
    NoiseThread.instance = null;
  }

  /** The thread, started on first use; null when disabled, unavailable or given up. */
  static get(): NoiseThread | null {
    if (NoiseThread.instance === undefined) {
      const bootFile = noiseThreadBootFile();
      NoiseThread.instance = noiseThreadFromEnv() && bootFile ? new NoiseThread(bootFile) : null;
    }
    return NoiseThread.instance;
  }

  /** `started`, keeping the process alive until then (the worker is unref'd: an await on it alone would end the process). */
  async whenStarted(): Promise<boolean> {
    this.worker?.ref();
    try {
      return await this.started;
    } finally {
      this.worker?.unref();
    }
  }

  get alive(): boolean {
    return this.worker !== null;
  }

  post(m: ToNoiseThread): void {
    this.worker?.postMessage(m);
  }

  giveUp(): void {
    this.isReady = false;
    this.settle(false);
    void this.worker?.terminate();
    this.worker = null;
    NoiseThread.instance = null;
  }
}

/**
 * Start the noise thread now (it is otherwise started by the first seeded stage, whose noise is
 * then drawn here): resolves true when it is ready, false when disabled or unavailable.
 */
export async function startNoiseThread(): Promise<boolean> {
  return (await NoiseThread.get()?.whenStarted()) ?? false;
}

/** Give the noise thread up (tests: what a crashed thread does); later stages draw their noise here. */
export function stopNoiseThread(): void {
  NoiseThread.stop();
}

/** noiseWorker.boot.mjs beside this module's source; null where the sources are not there (inside a bundle). */
function noiseThreadBootFile(): string | null {
  try {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "noiseWorker.boot.mjs");
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}
