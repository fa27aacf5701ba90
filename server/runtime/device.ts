/**
 * Execution-provider choice. onnxruntime-node throws (no silent fallback) when asked for CUDA
 * without the CUDA build installed, so `auto` tries CUDA once, remembers the answer, and falls
 * back to the CPU provider; every session records which provider it actually got.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export type Device = "auto" | "cpu" | "cuda";
export type Provider = "cpu" | "cuda";
export const DEVICES: readonly Device[] = ["auto", "cpu", "cuda"];

let cudaUnavailableReason: string | null = null;

/**
 * Whether the CUDA provider library was installed next to the addon (ONNXRUNTIME_NODE_INSTALL=cuda12).
 * Checking the file first spares `auto` a failed attempt and onnxruntime's error log on CPU machines.
 */
export function cudaLibraryInstalled(): boolean {
  try {
    const main = createRequire(import.meta.url).resolve("onnxruntime-node");
    const binDir = path.resolve(path.dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
    return existsSync(path.join(binDir, "libonnxruntime_providers_cuda.so")) || existsSync(path.join(binDir, "onnxruntime_providers_cuda.dll"));
  } catch {
    return false;
  }
}

/** Providers to try, in order, for a requested device. */
export function providerCandidates(device: Device): Provider[] {
  if (device === "cpu") return ["cpu"];
  if (device === "cuda") return ["cuda"];
  if (cudaUnavailableReason === null && !cudaLibraryInstalled()) {
    cudaUnavailableReason = "the CUDA build of onnxruntime-node is not installed";
  }
  return cudaUnavailableReason === null ? ["cuda", "cpu"] : ["cpu"];
}

export function noteCudaUnavailable(reason: string): void {
  cudaUnavailableReason = reason;
}

export function cudaUnavailable(): string | null {
  return cudaUnavailableReason;
}
