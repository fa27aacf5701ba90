/**
 * Admission to the queue: a bounded number of runs may wait, so a client looping on "enqueue"
 * cannot fill the database and delay everyone else's runs indefinitely. Counted in the database,
 * which every backend (in-process or Redis) records queued runs in.
 */
import { getDb } from "../db/client";
import { InputError } from "../errors";
import { type Limits, limitMessage } from "../limitsConfig";

/** Code of the refusal; the API answers it with 429 Too Many Requests. */
export const QUEUE_FULL = "queue_full";

/** `count`: how many runs are about to be queued together ("Run ×N"): all fit, or none is queued. */
export async function assertQueueHasRoom(limits: Limits, count = 1): Promise<void> {
  const db = await getDb();
  const queued = await db.run.count({ where: { status: "queued" } });
  if (queued + count > limits.maxQueuedRuns) {
    throw new InputError(QUEUE_FULL, limitMessage("maxQueuedRuns", queued + count, limits, "the queue is full: "), { parameter: "workflow" });
  }
}
