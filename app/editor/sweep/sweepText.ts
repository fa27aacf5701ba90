/**
 * The Sweep dialog's text fields: "1, 4, 8" (a list), "1..8" or "1..8:0.5" (a range, numbers only),
 * as the command line's --sweep reads them, turned into a sweep axis and back. Values are read
 * by the parameter's kind (its default's type): numbers, on/off switches, or text (one value per
 * line when the text holds a comma). The parameter's own schema checks them on the server.
 */
import { MAX_AXIS_VALUES, rangeCount, type SweepAxis, type SweepValue } from "../../../nodes/core/sweepFormat";

export type ValueKind = "number" | "boolean" | "text";

export function kindOfDefault(value: unknown): ValueKind {
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "text";
}

const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`;
const RANGE = new RegExp(`^\\s*(${NUMBER})\\s*\\.\\.\\s*(${NUMBER})\\s*(?::\\s*(${NUMBER}))?\\s*$`, "i");

export type ParsedAxis = { values: SweepValue[] } | { range: { from: number; to: number; step: number } } | { error: string };

export function parseAxisText(text: string, kind: ValueKind): ParsedAxis {
  const trimmed = text.trim();
  if (!trimmed) return { error: "enter values, e.g. 1, 4, 8 or a range 1..8:1" };
  const range = kind === "number" ? RANGE.exec(trimmed) : null;
  if (range) {
    const r = { from: Number(range[1]), to: Number(range[2]), step: range[3] === undefined ? 1 : Number(range[3]) };
    if (!(r.step > 0)) return { error: "the range's step must be above 0" };
    if (r.to < r.from) return { error: `the range ends (${r.to}) below its start (${r.from})` };
    const n = rangeCount(r);
    if (n > MAX_AXIS_VALUES) return { error: `the range gives ${n} values; at most ${MAX_AXIS_VALUES}` };
    return { range: r };
  }
  // text values may hold commas: then one value per line
  const parts = (kind === "text" && trimmed.includes("\n") ? trimmed.split("\n") : trimmed.split(",")).map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length > MAX_AXIS_VALUES) return { error: `${parts.length} values; at most ${MAX_AXIS_VALUES}` };
  const values: SweepValue[] = [];
  for (const p of parts) {
    if (kind === "number") {
      const n = Number(p);
      if (p === "" || !Number.isFinite(n)) return { error: `"${p}" is not a number` };
      values.push(n);
    } else if (kind === "boolean") {
      const on = /^(on|true|yes|1)$/i.test(p);
      if (!on && !/^(off|false|no|0)$/i.test(p)) return { error: `"${p}" is not on or off` };
      values.push(on);
    } else values.push(p);
  }
  return { values };
}

/** How an axis reads in its text field. */
export function axisText(axis: Pick<SweepAxis, "values" | "range">, kind: ValueKind): string {
  if (axis.range) return `${axis.range.from}..${axis.range.to}${axis.range.step === 1 ? "" : `:${axis.range.step}`}`;
  const values = axis.values ?? [];
  if (kind === "text" && values.some((v) => String(v).includes(","))) return values.map(String).join("\n");
  return values.map((v) => (typeof v === "boolean" ? (v ? "on" : "off") : String(v))).join(", ");
}

/** Values an axis gives (without listing a range). */
export function axisCount(parsed: ParsedAxis): number {
  return "values" in parsed ? parsed.values.length : "range" in parsed ? rangeCount(parsed.range) : 0;
}
