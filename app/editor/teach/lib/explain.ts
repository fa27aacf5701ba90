/**
 * Fills a node's explanation ({params.…}, {trace.…}, {ports.…} placeholders, see NodeDeclaration
 * `explain`) with the node's current parameters and the numbers of its last traced run.
 */
import type { NodeTrace } from "./nodeTrace";

export interface ExplainFill {
  text: string;
  /** Placeholders that had no value (nothing traced yet). */
  missing: string[];
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

function show(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return formatNumber(v);
  if (Array.isArray(v)) return `[${v.join(", ")}]`;
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  // anything else (a plain object from a trace, not meant to be shown) reads as String writes it
  return Object.prototype.toString.call(v);
}

function lookup(path: string, params: Record<string, unknown>, trace: NodeTrace | null | undefined): string | undefined {
  const [root, ...rest] = path.split(".");
  if (root === "params") return show(params[rest.join(".")]);
  if (!trace) return undefined;
  if (root === "trace") {
    const stage = trace.stage;
    switch (rest[0]) {
      case "steps":
        return show(stage?.steps.length);
      case "firstTimestep":
        return show(stage?.timesteps[0]);
      case "lastTimestep":
        return show(stage?.timesteps.at(-1));
      case "guidanceScale":
        return stage ? (stage.guidanceScale === null ? "none (off)" : show(stage.guidanceScale)) : undefined;
      case "cosineToText":
        return show(stage?.embedding?.cosineToText.at(-1));
      case "ms":
        return show(Math.round(trace.ms));
      default:
        return undefined;
    }
  }
  if (root === "ports") {
    const [port, stat] = rest;
    const entry = trace.ports[port]?.entries[0];
    if (!entry) return undefined;
    if (stat === "shape") return show(entry.shape);
    if (stat === "mean" || stat === "std" || stat === "min" || stat === "max") return show(entry[stat]);
  }
  return undefined;
}

export function fillExplain(template: string, params: Record<string, unknown>, trace?: NodeTrace | null): ExplainFill {
  const missing: string[] = [];
  const text = template.replace(/\{([\w.]+)\}/g, (whole, path: string) => {
    const v = lookup(path, params, trace);
    if (v === undefined) {
      missing.push(path);
      return "…";
    }
    return v;
  });
  return { text, missing };
}
