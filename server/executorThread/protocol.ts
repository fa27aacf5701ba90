/**
 * The messages between the web server's main thread and its executor thread (executorThread.ts
 * on the main side, thread.ts inside). Everything crosses by structured clone, so errors travel as
 * plain records and are rebuilt on the other side with the same kind, code, place and message:
 * a run that fails in the thread is recorded exactly as if it had failed in the main thread.
 */
import type { ArtifactRef } from "../../nodes/engine/runContext";
import type { RunError, RunEvent } from "../../nodes/core/runEvents";
import type { ValidationError } from "../../nodes/core/graphRules";
import type { Workflow } from "../../nodes/core/workflow";
import { CancelledError, type ErrorKind, type ErrorPlace, UnclipError } from "../errors";
import type { RunReport, SaveImageInfo } from "../graph/executor";
import type { Device } from "../runtime/device";
import type { RunOptions } from "../queue/types";

/** What the thread is started with (its `workerData`). */
export interface ThreadData {
  modelsDir: string;
  device: Device;
  cacheBytes: number;
  /** Whether the main thread stores teaching traces (without it nothing is traced, as in the CLI). */
  traces: boolean;
}

/** What the main thread sees of the thread's executor without asking it (it may be mid-step). */
export interface ThreadState {
  cache: { entries: number; bytes: number };
  /** Model package folders loaded in the thread (absolute, as ModelHost.loaded() gives them). */
  loaded: string[];
}

export interface SerializedError {
  name: string;
  message: string;
  kind?: ErrorKind;
  code?: string;
  where?: ErrorPlace;
  cause?: SerializedError;
}

/** A sweep cell's or grid's image says so (SaveImageInfo.sweep); the main thread stores it with the artifact. */
export type ImageInfo = SaveImageInfo;

/** Main thread → executor thread. */
export type ToThread =
  | { type: "run"; runId: string; workflow: Workflow; options: RunOptions }
  | { type: "cancel"; runId: string }
  | { type: "clearCache"; requestId: number }
  | { type: "unloadModels"; requestId: number }
  /** End the thread at its next turn: after releasing its sessions (`release`), or at once, as a crash would. */
  | { type: "exit"; release: boolean }
  | { type: "answer"; requestId: number; ok: true; value: unknown }
  | { type: "answer"; requestId: number; ok: false; error: SerializedError };

/** Executor thread → main thread. */
export type FromThread =
  | { type: "event"; event: RunEvent }
  | { type: "state"; state: ThreadState }
  | { type: "finished"; runId: string; report: RunReport }
  | { type: "failed"; runId: string; cancelled: boolean; error: RunError; kind: ErrorKind; errors?: ValidationError[] }
  | { type: "done"; requestId: number; value: number }
  /** Requests the executor makes of the main thread (it owns the database and the data directory). */
  | { type: "readUpload"; requestId: number; name: string }
  | { type: "saveImage"; requestId: number; runId: string; nodeId: string; png: Uint8Array; info: ImageInfo }
  | { type: "saveTrace"; requestId: number; runId: string; nodeId: string; json: string };

export type ThreadAnswer = ArtifactRef | Uint8Array;

/** Any thrown value as a record that survives structured clone (causes followed a few levels). */
export function serializeError(err: unknown, depth = 0): SerializedError {
  const e = err as Partial<UnclipError> & { code?: unknown; cause?: unknown };
  const out: SerializedError = {
    name: typeof e?.name === "string" ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(err),
  };
  if (err instanceof UnclipError) {
    out.kind = err.kind;
    out.where = { ...err.where };
  }
  // system errors' codes (ENOSPC, SQLITE_FULL) are how a full disk is recognised (server/http/diskFull.ts)
  if (typeof e?.code === "string") out.code = e.code;
  if (e?.cause !== undefined && depth < 4) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** The error again, as the same class family (UnclipError with its kind, code and place, or an Error with its code). */
export function deserializeError(s: SerializedError): Error {
  const cause = s.cause ? deserializeError(s.cause) : undefined;
  if (s.kind === "cancelled") return new CancelledError(s.message);
  const err: Error & { code?: string } = s.kind
    ? new UnclipError(s.kind, s.code ?? "error", s.message, s.where ?? {}, cause ? { cause } : undefined)
    : new Error(s.message, cause ? { cause } : undefined);
  err.name = s.name;
  if (!s.kind && s.code !== undefined) err.code = s.code;
  return err;
}

/** A failure the thread reported: carries the run error it computed, so it is recorded unchanged. */
export class ThreadRunError extends UnclipError {
  constructor(
    error: RunError,
    kind: ErrorKind,
    /** A workflow's validation errors, as `ValidationFailed` carries them (the queue emits them with run.failed). */
    readonly errors?: ValidationError[],
  ) {
    super(kind, error.code, error.message, { node: error.nodeId, port: error.port, parameter: error.param });
    this.name = "ThreadRunError";
  }
}
