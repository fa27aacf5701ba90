import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { readNpyFile } from "../../server/unclip/npy";
import type { Float32NdArray, NdArray } from "../../server/unclip/tensor";
import { HAVE_FIXTURES, TINY_CASES } from "./fixtures";

export interface GoldenCase {
  name: string;
  dir: string;
  json: {
    pipeline: "text2img" | "variation";
    package: string;
    call: Record<string, unknown>;
    call_defaults_applied?: Record<string, unknown>;
    inputs: Record<string, string | string[]>;
    expected: Record<string, { file: string; dtype: string; shape: number[] }>;
    expected_error?: { type: string; message: string; where: string };
    timesteps_file?: string;
    do_classifier_free_guidance?: boolean;
  };
}

/** Every case folder under the cases directory (discovered, never listed by hand). */
export function discoverCases(root = TINY_CASES): GoldenCase[] {
  if (!HAVE_FIXTURES || !existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "case.json")))
    .map((d) => ({
      name: d.name,
      dir: path.join(root, d.name),
      json: JSON.parse(readFileSync(path.join(root, d.name, "case.json"), "utf8")) as GoldenCase["json"],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function caseArray(c: GoldenCase, file: string): Promise<NdArray> {
  return readNpyFile(path.join(c.dir, file));
}

export async function caseFloat(c: GoldenCase, file: string): Promise<Float32NdArray> {
  const a = await caseArray(c, file);
  if (a.dtype !== "float32") throw new Error(`${c.name}/${file} is ${a.dtype}, expected float32`);
  return a;
}

export function callArg<T>(c: GoldenCase, name: string): T | undefined {
  return (c.json.call[name] ?? c.json.call_defaults_applied?.[name]) as T | undefined;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>, threshold = 1e-3) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  let over = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return { max: Infinity, mean: Infinity, fractionOver: 1 };
    if (d > max) max = d;
    if (d > threshold) over++;
    sum += d;
  }
  return { max, mean: sum / a.length, fractionOver: over / a.length };
}

export function readTimesteps(c: GoldenCase): Record<string, { timesteps: number[]; unet_per_step?: string[] }> {
  return JSON.parse(readFileSync(path.join(c.dir, c.json.timesteps_file ?? "timesteps.json"), "utf8")) as Record<
    string,
    { timesteps: number[]; unet_per_step?: string[] }
  >;
}
