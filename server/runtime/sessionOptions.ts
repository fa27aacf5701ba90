/**
 * ONNX Runtime session options. The defaults were chosen by `npm run bench` (see README,
 * "Performance"): full graph optimisation, one intra-op thread per core, sequential execution,
 * no intra-op spinning.
 * Environment overrides make the measurement reproducible without code changes.
 */
import os from "node:os";
import type { InferenceSession } from "onnxruntime-node";

export interface SessionTuning {
  graphOptimizationLevel: "disabled" | "basic" | "extended" | "all";
  intraOpNumThreads: number;
  interOpNumThreads: number;
  executionMode: "sequential" | "parallel";
  enableCpuMemArena: boolean;
  enableMemPattern: boolean;
  /**
   * Whether onnxruntime's intra-op threads spin for a while when a call ends (waiting for more
   * work) instead of sleeping at once (onnxruntime's default). Off here: the spinning threads took
   * the cores that the JavaScript between two calls (noise, scheduler step) needs — on 2 busy
   * cores, twice the CPU time outside session.run and slower runs overall (README, "Performance").
   */
  allowSpinning: boolean;
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

function envBool(name: string, fallback: boolean): boolean {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  return v === "1" || v.toLowerCase() === "true";
}

export function defaultTuning(): SessionTuning {
  const level = process.env.UNCLIP_ORT_OPT_LEVEL as SessionTuning["graphOptimizationLevel"] | undefined;
  return {
    graphOptimizationLevel: level && ["disabled", "basic", "extended", "all"].includes(level) ? level : "all",
    intraOpNumThreads: envInt("UNCLIP_ORT_THREADS", os.availableParallelism()),
    interOpNumThreads: envInt("UNCLIP_ORT_INTER_THREADS", 1),
    executionMode: process.env.UNCLIP_ORT_EXECUTION_MODE === "parallel" ? "parallel" : "sequential",
    enableCpuMemArena: envBool("UNCLIP_ORT_MEM_ARENA", true),
    enableMemPattern: envBool("UNCLIP_ORT_MEM_PATTERN", true),
    allowSpinning: envBool("UNCLIP_ORT_SPINNING", false),
  };
}

export function toSessionOptions(t: SessionTuning, providers: string[]): InferenceSession.SessionOptions {
  return {
    executionProviders: providers,
    graphOptimizationLevel: t.graphOptimizationLevel,
    intraOpNumThreads: t.intraOpNumThreads,
    interOpNumThreads: t.interOpNumThreads,
    executionMode: t.executionMode,
    enableCpuMemArena: t.enableCpuMemArena,
    enableMemPattern: t.enableMemPattern,
    extra: { session: { "intra_op.allow_spinning": t.allowSpinning ? "1" : "0" } },
    // errors only: onnxruntime's warnings (a missing CUDA library on auto) are not ours to print;
    // UNCLIP_ORT_VERBOSE=1 (the CLI's --verbose) shows them
    logSeverityLevel: process.env.UNCLIP_ORT_VERBOSE === "1" ? 2 : 3,
  };
}
