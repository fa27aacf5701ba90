/**
 * Seeded Gaussian noise. Each stochastic stage (prior, decoder, super-res, and each stage's
 * per-step scheduler noise) draws from its own stream, derived from (seed, stream name), so a
 * cached stage never shifts another stage's noise. torch's generator is not reproduced: the same
 * seed gives the same image on every run of this project, not the same image as diffusers.
 * To reproduce a diffusers run exactly, pass its latents and per-step noise instead.
 *
 * The generator is pure-rand's xoroshiro128+ and its uniformFloat64 (53-bit uniforms), inlined:
 * the state lives in locals while a block of raw draws is made, instead of a method call and four
 * property writes per 32-bit draw. The sequence is pure-rand's, value for value
 * (tests/unit/noise.test.ts draws both side by side).
 */
import { createHash } from "node:crypto";

const SKIP_CHUNK = 1 << 16;
/** Normal pairs per block of raw draws (4 int32 each): 64 KiB of scratch, reused. */
const BLOCK_PAIRS = 4096;
// pure-rand's uniformFloat64: (a & 2^26−1) · 2^−26 + (b & 2^27−1) · 2^−53
const MASK26 = 0x3ffffff;
const MASK27 = 0x7ffffff;
const SCALE26 = 2 ** -26;
const SCALE53 = 2 ** -53;
const TWO_PI = 2 * Math.PI;

export class NoiseStream {
  // xoroshiro128+ state as four int32 words, in pure-rand's order (s01, s00, s11, s10)
  private s01: number;
  private s00: number;
  private s11: number;
  private s10: number;
  private spare: number | null = null;
  private block: Int32Array | null = null;

  constructor(
    readonly seed: number,
    readonly stream: string,
  ) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    const digest = createHash("sha256").update(`unclip-noise:${seed}:${stream}`).digest();
    this.s01 = digest.readInt32LE(0);
    this.s00 = digest.readInt32LE(4);
    this.s11 = digest.readInt32LE(8);
    this.s10 = digest.readInt32LE(12);
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
    const block = (this.block ??= new Int32Array(BLOCK_PAIRS * 4));
    while (i < count) {
      const pairs = Math.min(BLOCK_PAIRS, (count - i + 1) >> 1);
      this.fill(block, pairs * 4);
      for (let p = 0; p < pairs * 4; p += 4) {
        const u1 = 1 - ((block[p] & MASK26) * SCALE26 + (block[p + 1] & MASK27) * SCALE53); // (0, 1]: log is finite
        const u2 = (block[p + 2] & MASK26) * SCALE26 + (block[p + 3] & MASK27) * SCALE53;
        const r = Math.sqrt(-2 * Math.log(u1));
        const a = TWO_PI * u2;
        out[i++] = r * Math.cos(a);
        if (i < count) out[i++] = r * Math.sin(a);
        else this.spare = r * Math.sin(a);
      }
    }
    return out;
  }

  /** The next `n` raw 32-bit draws of xoroshiro128+ (pure-rand's `next()`), into `dst`. */
  private fill(dst: Int32Array, n: number): void {
    let s01 = this.s01;
    let s00 = this.s00;
    let s11 = this.s11;
    let s10 = this.s10;
    for (let k = 0; k < n; k++) {
      dst[k] = (s00 + s10) | 0;
      const a0 = s10 ^ s00;
      const a1 = s11 ^ s01;
      const t00 = s00;
      const t01 = s01;
      s00 = (t00 << 24) ^ (t01 >>> 8) ^ a0 ^ (a0 << 16);
      s01 = (t01 << 24) ^ (t00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
      s10 = (a1 << 5) ^ (a0 >>> 27);
      s11 = (a0 << 5) ^ (a1 >>> 27);
    }
    this.s01 = s01;
    this.s00 = s00;
    this.s11 = s11;
    this.s10 = s10;
  }
}
