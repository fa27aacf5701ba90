/**
 * Fan-out of run events to subscribers (the SSE subscription, the CLI), plus the current state
 * of recent runs so a client that (re)connects can be shown where things stand.
 */
import { EventEmitter } from "node:events";
import type { RunEvent } from "../../nodes/core/runEvents";

export type NodeState =
  | { state: "queued" }
  | { state: "running"; step?: number; steps?: number; preview?: string }
  | { state: "cached"; ui?: unknown }
  | { state: "done"; ms: number; ui?: unknown }
  | { state: "error"; message: string; port?: string };

export interface RunState {
  runId: string;
  status: "queued" | "running" | "finished" | "failed" | "cancelled";
  nodes: Record<string, NodeState>;
  error?: unknown;
}

const KEEP_RUNS = 50;

export class EventHub {
  /** Emits "event" with each RunEvent (for `events.on` consumers such as the SSE stream). */
  readonly emitter = new EventEmitter();
  private readonly states = new Map<string, RunState>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(e: RunEvent): void {
    this.apply(e);
    this.emitter.emit("event", e);
  }

  subscribe(listener: (e: RunEvent) => void): () => void {
    this.emitter.on("event", listener);
    return () => this.emitter.off("event", listener);
  }

  state(runId: string): RunState | undefined {
    return this.states.get(runId);
  }

  /** States of the runs still queued or running, oldest first. */
  active(): RunState[] {
    return [...this.states.values()].filter((s) => s.status === "queued" || s.status === "running");
  }

  /**
   * Drop the oldest run that has ended. Queued and running runs are always kept: a long queue
   * must not push the running run out of the snapshot that (re)connecting clients get.
   */
  private forgetOldestEnded(): void {
    for (const [id, s] of this.states) {
      if (s.status !== "queued" && s.status !== "running") {
        this.states.delete(id);
        return;
      }
    }
  }

  private apply(e: RunEvent): void {
    let s = this.states.get(e.runId);
    if (!s) {
      s = { runId: e.runId, status: "queued", nodes: {} };
      this.states.set(e.runId, s);
      if (this.states.size > KEEP_RUNS) this.forgetOldestEnded();
    }
    switch (e.type) {
      case "run.queued":
        s.status = "queued";
        break;
      case "run.started":
        s.status = "running";
        break;
      case "run.finished":
        s.status = "finished";
        break;
      case "run.failed":
        s.status = "failed";
        s.error = e.error;
        break;
      case "run.cancelled":
        s.status = "cancelled";
        break;
      case "node.started":
        s.nodes[e.nodeId] = { state: "running" };
        break;
      case "node.progress": {
        const prev = s.nodes[e.nodeId];
        const preview = e.preview ?? (prev?.state === "running" ? prev.preview : undefined);
        s.nodes[e.nodeId] = { state: "running", step: e.step, steps: e.steps, preview };
        break;
      }
      case "node.cached":
        s.nodes[e.nodeId] = { state: "cached", ui: e.ui };
        break;
      case "node.finished":
        s.nodes[e.nodeId] = { state: "done", ms: e.ms, ui: e.ui };
        break;
      case "node.error":
        s.nodes[e.nodeId] = { state: "error", message: e.message, port: e.port };
        break;
    }
  }
}
