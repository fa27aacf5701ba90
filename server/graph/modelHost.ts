/**
 * Model packages loaded for the executor: one UnclipComponents per package folder, sessions
 * shared through one SessionPool, kept between runs until `unload()`.
 */
import { InputError } from "../errors";
import type { Device } from "../runtime/device";
import { SessionPool } from "../runtime/sessionPool";
import { UnclipComponents } from "../unclip/components";
import { resolveModelParam } from "./validate";

export class ModelHost {
  private readonly packages = new Map<string, Promise<UnclipComponents>>();
  readonly pool: SessionPool;

  constructor(
    readonly modelsDir: string,
    device: Device = "auto",
  ) {
    this.pool = new SessionPool(device);
  }

  load(name: string): Promise<UnclipComponents> {
    const r = resolveModelParam(this.modelsDir, name);
    if (!r.ok) {
      return Promise.reject(
        new InputError(
          r.reason === "outside" ? "model_path_outside" : "model_not_found",
          r.reason === "outside" ? `model "${name}" is not a folder inside the models directory` : `no model package "${name}" in ${this.modelsDir}`,
          { parameter: "package" },
        ),
      );
    }
    let p = this.packages.get(r.dir);
    if (!p) {
      p = UnclipComponents.load(r.dir, this.pool);
      this.packages.set(r.dir, p);
      p.catch(() => this.packages.delete(r.dir));
    }
    return p;
  }

  /** Names of the packages currently loaded. */
  loaded(): string[] {
    return [...this.packages.keys()];
  }

  /** Release every session; packages load again on next use. */
  async unload(): Promise<void> {
    this.packages.clear();
    await this.pool.release();
  }
}
