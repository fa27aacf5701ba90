/**
 * Checks shared by both pipelines, run before any model work so bad input fails fast with a
 * message naming the parameter (camelCase, as in the API).
 */
import { InputError } from "../errors";
import type { UnCLIPScheduler } from "./scheduler";
import type { NdArray } from "./tensor";
import { sameShape, shapeString } from "./tensor";

export function checkSteps(scheduler: UnCLIPScheduler, value: number, name: string): void {
  scheduler.timesteps(value, name); // throws a SchedulerError (an InputError) naming the parameter
}

export function checkGuidance(value: number, name: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InputError("bad_guidance", `${name} must be a finite number, got ${value}`, { parameter: name });
  }
}

export function checkCount(value: number, name: string, max = 64): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError("bad_count", `${name} must be an integer from 1 to ${max}, got ${value}`, { parameter: name });
  }
}

export function checkSeed(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InputError("bad_seed", `seed must be a non-negative integer, got ${value}`, { parameter: "seed" });
  }
}

export function expectShape(t: NdArray | undefined, shape: number[], name: string, what = "latents"): void {
  if (!t) return;
  if (t.dtype !== "float32") throw new InputError("bad_dtype", `${name}: expected float32 ${what}, got ${t.dtype}`, { parameter: name });
  if (!sameShape(t.shape, shape)) {
    throw new InputError("bad_shape", `${name}: unexpected ${what} shape, got ${shapeString(t.shape)}, expected ${shapeString(shape)}`, {
      parameter: name,
    });
  }
}

export function expectFinite(t: NdArray | undefined, name: string): void {
  if (!t || t.dtype !== "float32") return;
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) {
      throw new InputError("not_finite", `${name}: contains a non-finite value at flat index ${i}`, { parameter: name });
    }
  }
}
