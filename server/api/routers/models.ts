import { readdir } from "node:fs/promises";
import path from "node:path";
import { existsSync } from "node:fs";
import { loadModelPackage } from "../../runtime/modelPackage";
import { packageSource } from "../../runtime/packageSource";
import type { PipelineDefaults } from "../../runtime/pipelineDefaults";
import { precisionSummary } from "../../runtime/precision";
import { teacherProcedure, userProcedure, router } from "../trpc";

export interface ModelListing {
  name: string;
  components: string[];
  pipeline: string | null;
  error: string | null;
  loaded: boolean;
  /** The diffusers model (hub id) the package was made from, when known (runtime/packageSource.ts). */
  source: string | null;
  /** "float32", "int8 + float32", …: the graphs' precisions, lowest first (runtime/precision.ts). */
  precision: string | null;
  /** Each graph component's precision (float32 | float16 | int8). */
  componentPrecision: Record<string, string>;
  /** The package's own defaults for the pipeline's arguments (`_pipeline_defaults`), e.g. { priorGuidanceScale: 1 }. */
  pipelineDefaults: PipelineDefaults;
}

export const modelsRouter = router({
  /** Packages found in the models directory, with their components (or why they can't load). */
  list: userProcedure.query(async ({ ctx }): Promise<ModelListing[]> => {
    const dir = ctx.services.env.modelsDir;
    if (!existsSync(dir)) return [];
    const loaded = new Set(ctx.services.engine.loadedPackages());
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, "model_index.json")));
    const out: ModelListing[] = [];
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      try {
        const pkg = await loadModelPackage(full);
        out.push({
          name: e.name,
          components: [...pkg.components],
          pipeline: String(pkg.index._class_name),
          error: null,
          loaded: loaded.has(full),
          source: packageSource(pkg.index),
          precision: precisionSummary(pkg.precision),
          componentPrecision: { ...pkg.precision },
          pipelineDefaults: { ...pkg.pipelineDefaults },
        });
      } catch (err) {
        out.push({
          name: e.name,
          components: [],
          pipeline: null,
          error: (err as Error).message,
          loaded: false,
          source: null,
          precision: null,
          componentPrecision: {},
          pipelineDefaults: {},
        });
      }
    }
    return out;
  }),
  /** Release every loaded model session (frees memory); the next run loads them again. */
  unload: teacherProcedure.mutation(async ({ ctx }) => {
    return { unloaded: await ctx.services.engine.unloadModels() };
  }),
});
