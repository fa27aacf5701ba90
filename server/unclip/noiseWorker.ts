/**
 * The noise thread (see noisePrefetch.ts): draws rows of seeded step-noise streams on request,
 * into memory it shares with the thread that asked. It only ever does what it was asked, in the
 * order asked, so a request always finishes without anything of the asking thread's.
 */
import { parentPort } from "node:worker_threads";
import { NoiseStream } from "./noise";
import type { ToNoiseThread } from "./noisePrefetch";

interface Job {
  stream: NoiseStream;
  rowSize: number;
  /** The row the stream draws next. */
  next: number;
  ready: Int32Array;
  rows: Float32Array;
}

const jobs = new Map<number, Job>();

parentPort?.on("message", (m: ToNoiseThread) => {
  if (m.type === "open") {
    jobs.set(m.job, {
      stream: new NoiseStream(m.seed, m.stream),
      rowSize: m.rowSize,
      next: 0,
      ready: new Int32Array(m.ready),
      rows: new Float32Array(m.rows),
    });
  } else if (m.type === "close") {
    jobs.delete(m.job);
  } else {
    const job = jobs.get(m.job);
    if (!job || m.row < job.next) return; // closed, or a row the stream has passed (the asker falls back)
    job.stream.skip((m.row - job.next) * job.rowSize);
    job.stream.randnInto(job.rows.subarray(m.slot * job.rowSize, (m.slot + 1) * job.rowSize));
    job.next = m.row + 1;
    // the slot's marker says which row it holds (row + 1; 0: none yet), published after the values
    Atomics.store(job.ready, m.slot, m.row + 1);
    Atomics.notify(job.ready, m.slot);
  }
});
parentPort?.postMessage("ready");
