/**
 * `unclip run --sweep NODE_ID.PARAM=VALUES`: up to two flags become the workflow's sweep (replacing
 * one it declares). VALUES is a comma list (`1,4,8`), a JSON array (`["a red circle, large","a star"]`,
 * for text with commas) or a range `FROM..TO` / `FROM..TO:STEP` (numbers; step 1 by default). Each
 * value is read as --set reads it (JSON when it parses and fits the parameter, text otherwise);
 * validation then checks every value with the parameter's schema.
 */
import { MAX_SWEEP_AXES, type SweepAxis, type SweepValue } from "../../nodes/core/sweep";
import type { Workflow } from "../../nodes/core/workflow";
import type { NodeRegistry } from "../../server/graph/registry";
import type { ParamSpec } from "../../nodes/core/types";

const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`;
const RANGE = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER})(?::(${NUMBER}))?$`, "i");

/** Replace the workflow's sweep by the flags' axes; each flag that cannot be read is a problem. */
export function applySweepFlags(
  workflow: Workflow,
  flags: readonly string[],
  registry: NodeRegistry,
  readValue: (raw: string, spec: ParamSpec) => unknown,
): string[] {
  if (!flags.length) return [];
  const problems: string[] = [];
  if (flags.length > MAX_SWEEP_AXES) return [`--sweep: at most ${MAX_SWEEP_AXES} parameters (a grid has two axes), got ${flags.length}`];
  const axes: SweepAxis[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    const key = eq < 0 ? flag : flag.slice(0, eq);
    const dot = key.lastIndexOf(".");
    const raw = eq < 0 ? "" : flag.slice(eq + 1).trim();
    if (eq < 0 || dot <= 0 || dot === key.length - 1 || raw === "") {
      problems.push(`--sweep ${flag}: expected NODE_ID.PARAM=V1,V2,… (or FROM..TO:STEP)`);
      continue;
    }
    const node = key.slice(0, dot);
    const param = key.slice(dot + 1);
    const range = RANGE.exec(raw);
    if (range) {
      axes.push({ node, param, range: { from: Number(range[1]), to: Number(range[2]), step: range[3] === undefined ? 1 : Number(range[3]) } });
      continue;
    }
    const type = workflow.nodes.find((n) => n.id === node)?.type;
    const spec = type ? registry.declaration(type)?.params.find((p) => p.name === param) : undefined;
    let parts: unknown[];
    if (raw.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (!Array.isArray(parsed)) throw new Error("not an array");
        parts = parsed;
      } catch {
        problems.push(`--sweep ${key}: "${raw}" is not a JSON array of values`);
        continue;
      }
    } else {
      const texts = raw.split(",").map((t) => t.trim());
      parts = spec ? texts.map((t) => readValue(t, spec)) : texts;
    }
    const values = parts.filter((v): v is SweepValue => typeof v === "number" || typeof v === "string" || typeof v === "boolean");
    if (values.length !== parts.length) {
      problems.push(`--sweep ${key}: values must be numbers, text or true/false`);
      continue;
    }
    axes.push({ node, param, values });
  }
  if (!problems.length) workflow.sweep = { axes };
  return problems;
}
