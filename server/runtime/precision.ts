/**
 * The precision each graph of a package was exported in (issue #22): the `precision` field the exporter
 * writes into `<component>/config.json` (`--fp16` → float16, or float32 for the graphs it keeps whole —
 * `--fp16-keep-float32`; `--int8` → int8 or float32 per graph).
 * Absent means float32 — a float32 export keeps save_pretrained's configs byte-identical — except in
 * int8 copies made by `quantize_int8` before the field existed, which left `int8_quantization.json`
 * (its per-component counts) beside the graphs.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PackageError } from "../errors";

export const PRECISIONS = ["float32", "float16", "int8"] as const;
export type Precision = (typeof PRECISIONS)[number];

const PrecisionField = z.enum(PRECISIONS);
const QuantizationNote = z.record(z.string(), z.looseObject({ quantized: z.number() }));

/** Components an older `quantize_int8` copy rewrote (quantized > 0), from its note; empty without one. */
function int8FromNote(dir: string): Set<string> {
  const file = path.join(dir, "int8_quantization.json");
  if (!existsSync(file)) return new Set();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return new Set(); // a note, not the contract: a broken one is ignored rather than failing the package
  }
  const note = QuantizationNote.safeParse(raw);
  if (!note.success) return new Set();
  return new Set(Object.entries(note.data).flatMap(([name, entry]) => (entry.quantized > 0 ? [name] : [])));
}

/**
 * Precision per graph component present in the package. `configs` are the parsed configs (loose objects:
 * unknown keys such as `precision` are kept); a value that is not one of PRECISIONS is the package's
 * error, named with its file.
 */
export function readPrecisions(dir: string, configs: Readonly<Record<string, unknown>>, graphs: readonly string[]): Record<string, Precision> {
  const noted = int8FromNote(dir);
  const out: Record<string, Precision> = {};
  for (const component of graphs) {
    const config = configs[component];
    if (config === undefined) continue;
    const field = (config as { precision?: unknown }).precision;
    if (field === undefined) {
      out[component] = noted.has(component) ? "int8" : "float32";
      continue;
    }
    const parsed = PrecisionField.safeParse(field);
    if (!parsed.success) {
      const file = path.join(dir, component, "config.json");
      throw new PackageError("bad_config", `${file}: precision must be one of ${PRECISIONS.join(", ")}, not ${JSON.stringify(field)}`, { file, component });
    }
    out[component] = parsed.data;
  }
  return out;
}

/**
 * One line for a package list: "float32" when every graph agrees, else the precisions from lowest to
 * highest ("int8 + float32": an int8 export keeps its text encoder and projections float32).
 */
export function precisionSummary(precisions: Readonly<Record<string, Precision>>): string {
  const present = new Set(Object.values(precisions));
  return [...PRECISIONS]
    .reverse()
    .filter((p) => present.has(p))
    .join(" + ");
}
