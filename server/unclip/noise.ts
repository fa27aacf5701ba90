/**
 * Seeded Gaussian noise. Each stochastic stage (prior, decoder, super-res, and each stage's
 * per-step scheduler noise) draws from its own stream, derived from (seed, stream name), so a
 * cached stage never shifts another stage's noise. torch's generator is not reproduced: the same
 * seed gives the same image on every run of this project, not the same image as diffusers.
 * To reproduce a diffusers run exactly, pass its latents and per-step noise instead.
 */
import { createHash } from "node:crypto";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

const SKIP_CHUNK = 1 << 16;

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

export class NoiseStream {
  private readonly rng: Generator;
  private spare: number | null = null;

  constructor(
    readonly seed: number,
    readonly stream: string,
  ) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    const digest = createHash("sha256").update(`unclip-noise:${seed}:${stream}`).digest();
    const state = [0, 4, 8, 12].map((o) => digest.readInt32LE(o));
    this.rng = xoroshiro128plusFromState(state);
  }

  /**
   * Advance the stream past `count` samples, exactly as drawing them would (the spare of an odd
   * draw included), so a stage continued from step k draws the same noise for step k as a run
   * that started at 0. Drawn in bounded chunks into one scratch buffer to keep memory flat.
   */
  skip(count: number): void {
    if (count <= 0) return;
    const scratch = new Float32Array(Math.min(count, SKIP_CHUNK));
    for (let left = count; left > 0; left -= SKIP_CHUNK) this.randnInto(left >= scratch.length ? scratch : scratch.subarray(0, left));
  }

  /** Standard normal samples (Box–Muller on 53-bit uniforms), rounded to float32. */
  randn(count: number): Float32Array {
    return this.randnInto(new Float32Array(count));
  }

  /** `randn(out.length)` written into `out` (a buffer reused across steps); returns `out`. */
  randnInto(out: Float32Array): Float32Array {
    const count = out.length;
    let i = 0;
    if (this.spare !== null && count > 0) {
      out[i++] = this.spare;
      this.spare = null;
    }
    while (i < count) {
      const u1 = 1 - uniformFloat64(this.rng); // (0, 1]: log is finite
      const u2 = uniformFloat64(this.rng);
      const r = Math.sqrt(-2 * Math.log(u1));
      const a = 2 * Math.PI * u2;
      out[i++] = r * Math.cos(a);
      if (i < count) out[i++] = r * Math.sin(a);
      else this.spare = r * Math.sin(a);
    }
    return out;
  }
}
