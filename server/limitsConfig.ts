/**
 * The work and request limits: one table (setting, default, what it bounds) that the zod env
 * module reads, the messages name, and the README's configuration table repeats. Every limit
 * exists because one request could otherwise exhaust the process (memory, event loop, disk).
 * Browser-safe (zod only) so the editor could show them too.
 */
import { z } from "zod";

export interface Limits {
  /** Rows through any sampler in one run (prompt lines × images per prompt, frames, noise rows). */
  maxImagesPerRun: number;
  /** Prompts in one batched Tokenizer (one per line). */
  maxPromptLines: number;
  /** Denoising steps of one sampler (a Scheduler node's step count). */
  maxSteps: number;
  /** Bytes of one uploaded image. */
  maxUploadBytes: number;
  /** Pixels (width × height) of one uploaded image. */
  maxUploadPixels: number;
  /** Bytes of one API request body (uploads have their own limit). */
  maxBodyBytes: number;
  /** Procedure calls in one batched tRPC request. */
  maxBatchCalls: number;
  /** Runs waiting in the queue (all clients together). */
  maxQueuedRuns: number;
  /** Runs one user may have waiting in the queue (class mode; personal mode has one user). */
  maxQueuedPerUser: number;
  /** Bytes of the workflow snapshot stored with each run (its JSON). */
  maxSnapshotBytes: number;
  /** Cells (combinations of values) of one sweep; their images together also count against maxImagesPerRun. */
  maxSweepCells: number;
  /** Runs one "Run ×N" may queue (each still counts against the queue limits). */
  maxBatchCount: number;
}

export interface LimitSpec {
  key: keyof Limits;
  env: string;
  default: number;
  /** How the limit reads in a message: "images per run". */
  what: string;
  /** For messages: "bytes", "" … */
  unit: string;
}

export const LIMIT_SPECS: readonly LimitSpec[] = [
  { key: "maxImagesPerRun", env: "UNCLIP_MAX_IMAGES_PER_RUN", default: 16, what: "images per run", unit: "" },
  { key: "maxPromptLines", env: "UNCLIP_MAX_PROMPT_LINES", default: 16, what: "prompt lines", unit: "" },
  { key: "maxSteps", env: "UNCLIP_MAX_STEPS", default: 200, what: "steps per sampler", unit: "" },
  { key: "maxUploadBytes", env: "UNCLIP_MAX_UPLOAD_BYTES", default: 20 * 1024 * 1024, what: "upload size", unit: "bytes" },
  { key: "maxUploadPixels", env: "UNCLIP_MAX_UPLOAD_PIXELS", default: 4096 * 4096, what: "upload pixels", unit: "pixels" },
  { key: "maxBodyBytes", env: "UNCLIP_MAX_BODY_BYTES", default: 1024 * 1024, what: "request body size", unit: "bytes" },
  { key: "maxBatchCalls", env: "UNCLIP_MAX_BATCH_CALLS", default: 32, what: "calls per batched request", unit: "" },
  { key: "maxQueuedRuns", env: "UNCLIP_MAX_QUEUED_RUNS", default: 100, what: "queued runs", unit: "" },
  { key: "maxQueuedPerUser", env: "UNCLIP_MAX_QUEUED_PER_USER", default: 5, what: "queued runs per user", unit: "" },
  { key: "maxSnapshotBytes", env: "UNCLIP_MAX_SNAPSHOT_BYTES", default: 1024 * 1024, what: "workflow snapshot size", unit: "bytes" },
  { key: "maxSweepCells", env: "UNCLIP_MAX_SWEEP_CELLS", default: 16, what: "sweep cells", unit: "" },
  { key: "maxBatchCount", env: "UNCLIP_MAX_BATCH_COUNT", default: 8, what: "runs per batch", unit: "" },
];

const positiveInt = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= 1, "must be at least 1")
    .optional(),
);

/** The environment variables, merged into server/env.ts's schema. */
export const LimitsEnvSchema = z.object(Object.fromEntries(LIMIT_SPECS.map((s) => [s.env, positiveInt] as const)));

export function limitsFromEnv(parsed: Record<string, unknown>): Limits {
  return Object.fromEntries(LIMIT_SPECS.map((s) => [s.key, (parsed[s.env] as number | undefined) ?? s.default])) as unknown as Limits;
}

export const DEFAULT_LIMITS: Limits = limitsFromEnv({});

export function limitSpec(key: keyof Limits): LimitSpec {
  return LIMIT_SPECS.find((s) => s.key === key)!;
}

/**
 * The one sentence every refusal uses: the limit, the value asked for, and the setting that
 * raises it, e.g. "images per run limit exceeded: 4096 asked for, the limit is 16 (set
 * UNCLIP_MAX_IMAGES_PER_RUN to raise it)". `context` goes first (the node, the field).
 */
export function limitMessage(key: keyof Limits, asked: number, limits: Limits, context = ""): string {
  const s = limitSpec(key);
  const unit = s.unit ? ` ${s.unit}` : "";
  return `${context}${s.what} limit exceeded: ${asked}${unit} asked for, the limit is ${limits[key]}${unit} (set ${s.env} to raise it)`;
}
