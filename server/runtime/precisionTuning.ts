/**
 * Session options per graph precision (issue #22). At level "all" onnxruntime converts every
 * `QLinearConv` of an int8 graph to NHWC and wraps each one in a pair of Transposes, because the
 * normalisation and activations around it stay NCHW float32; on unclip-small's super-res those
 * Transposes cost more than the NHWC kernel saves (`npm run profile:graph`, README "int8 packages").
 * So int8 graphs run at "extended" (every fusion, QDQ → QLinearConv / MatMulIntegerToFloat included,
 * but no layout change) unless `UNCLIP_ORT_INT8_OPT_LEVEL` says otherwise; other precisions keep
 * the pool's tuning as it is.
 */
import type { Precision } from "./precision";
import type { SessionTuning } from "./sessionOptions";

const LEVELS = ["disabled", "basic", "extended", "all"] as const;
type Level = SessionTuning["graphOptimizationLevel"];

/** The level int8 graphs run at: `UNCLIP_ORT_INT8_OPT_LEVEL` (one of LEVELS), default "extended". */
export function int8Level(): Level {
  const v = process.env.UNCLIP_ORT_INT8_OPT_LEVEL;
  return v && (LEVELS as readonly string[]).includes(v) ? (v as Level) : "extended";
}

/** `tuning` for a graph of `precision`: an int8 graph gets int8Level(), never above the pool's own level. */
export function tuningFor(tuning: SessionTuning, precision: Precision | undefined): SessionTuning {
  if (precision !== "int8") return tuning;
  const level = int8Level();
  const capped = LEVELS.indexOf(level) < LEVELS.indexOf(tuning.graphOptimizationLevel) ? level : tuning.graphOptimizationLevel;
  return capped === tuning.graphOptimizationLevel ? tuning : { ...tuning, graphOptimizationLevel: capped };
}
