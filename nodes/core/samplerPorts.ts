/** Optional noise inputs every sampler has. Browser-safe (./types only). */
import type { PortSpec } from "./types";

export function noiseInputs(stage: string, latentShape: string): PortSpec[] {
  return [
    { name: "seed", type: "SEED", label: "Seed", optional: true, description: "Overrides the Seed parameter when connected." },
    {
      name: "latents",
      type: "LATENTS",
      label: "Latents",
      optional: true,
      description: `Starting noise ${latentShape}, instead of drawing it from the seed's "${stage}" stream.`,
    },
    {
      name: "stepNoise",
      type: "LATENTS",
      label: "Step noise",
      optional: true,
      description: `The fresh noise of every step but the last, [steps − 1, ${latentShape.slice(1, -1)}], to replay a recorded run exactly.`,
    },
  ];
}
