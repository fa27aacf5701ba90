/**
 * The noise thread (see noisePrefetch.ts): draws rows of seeded step-noise streams on request,
 * into memory it shares with the thread that asked. It only ever does what it was asked, in the
 * order asked, so a request always finishes without anything of the asking thread's.
 */
import { parentPort } from "node:worker_threads";
import { LocalRows, type ToNoiseThread } from "./noisePrefetch";

interface Job {
  stream: LocalRows;
  rowSize: number;
  ready: Int32Array;
  rows: Float32Array;
}

const jobs = new Map<number, Job>();

parentPort?.on("message", (m: ToNoiseThread) => {
  if (m.type === "open") {
    jobs.set(m.job, {
      stream: new LocalRows(m.seed, m.stream, m.rowSize),
      rowSize: m.rowSize,
      ready: new Int32Array(m.ready),
      rows: new Float32Array(m.rows),
    });
  } else if (m.type === "close") {
    jobs.delete(m.job);
  } else {
    const job = jobs.get(m.job);
    if (!job || m.row < job.stream.nextRow) return; // closed, or a row the stream has passed (the asker falls back)
    job.stream.rowInto(m.row, job.rows.subarray(m.slot * job.rowSize, (m.slot + 1) * job.rowSize));
    // the slot's marker says which row it holds (row + 1; 0: none yet), published after the values
    Atomics.store(job.ready, m.slot, m.row + 1);
    Atomics.notify(job.ready, m.slot);
  }
});
parentPort?.postMessage("ready");
