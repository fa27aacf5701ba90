/**
 * Latency figures for the API benchmarks (bench-auth, bench-results): time a call many times
 * after one warm-up call and report percentiles.
 */

export interface Latency {
  p50: number;
  p95: number;
  max: number;
}

export function stats(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

export const fmt = (x: Latency) => `p50 ${x.p50.toFixed(2)} ms, p95 ${x.p95.toFixed(2)} ms, max ${x.max.toFixed(2)} ms`;

/** `n` timings of `f` in milliseconds, after one untimed call (caches, prepared statements). */
export async function time(n: number, f: () => Promise<unknown>): Promise<number[]> {
  await f();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
}
