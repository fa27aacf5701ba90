/**
 * The in-process run queue executing on an executor thread: the same queue (RunQueue), whose
 * stop also stops the thread, so that a stopped server holds no thread, sessions or cache.
 */
import type { EventHub } from "../queue/eventHub";
import { RunQueue } from "../queue/runQueue";
import type { RunStore } from "../queue/types";
import type { ExecutorThread } from "./executorThread";

export class ThreadedRunQueue extends RunQueue {
  constructor(
    store: RunStore,
    private readonly thread: ExecutorThread,
    hub: EventHub,
  ) {
    super(store, thread.execute, hub);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.thread.stop();
  }
}
