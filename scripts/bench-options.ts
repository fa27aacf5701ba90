/**
 * `npm run bench:options`: the benchmark once per ONNX Runtime session-option variant (each in a
 * fresh process, so sessions are created with that variant), printed as one table. Use on an idle
 * machine; pass `-- --runs N` to change the timed runs per variant (default 2).
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { runs: { type: "string", default: "2" }, model: { type: "string" } } });

/** The last line `scripts/bench.ts --json` prints. */
interface BenchLine {
  total_ms: number;
  session_run_ms: number;
  overhead_pct: number;
  cold_start_ms: number;
  peak_rss_mb: number;
}

const VARIANTS: [string, Record<string, string>][] = [
  ["default (all, 2 threads, sequential, arena+pattern)", {}],
  ["graph optimisation: basic", { UNCLIP_ORT_OPT_LEVEL: "basic" }],
  ["graph optimisation: disabled", { UNCLIP_ORT_OPT_LEVEL: "disabled" }],
  ["1 intra-op thread", { UNCLIP_ORT_THREADS: "1" }],
  ["parallel execution, 2 inter-op threads", { UNCLIP_ORT_EXECUTION_MODE: "parallel", UNCLIP_ORT_INTER_THREADS: "2" }],
  ["no CPU memory arena", { UNCLIP_ORT_MEM_ARENA: "0" }],
  ["no memory pattern", { UNCLIP_ORT_MEM_PATTERN: "0" }],
  ["intra-op threads spin between calls (onnxruntime's default)", { UNCLIP_ORT_SPINNING: "1" }],
];

console.log(`variant                                              total ms  session.run ms  overhead %  cold ms  RSS MB`);
for (const [name, env] of VARIANTS) {
  const args = ["tsx", "scripts/bench.ts", "--json", "--runs", values.runs];
  if (values.model) args.push("--model", values.model);
  const r = spawnSync("npx", args, { env: { ...process.env, ...env }, encoding: "utf8" });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    const j = JSON.parse(line) as BenchLine;
    console.log(
      `${name.padEnd(52)} ${String(j.total_ms).padStart(8)}  ${String(j.session_run_ms).padStart(14)}  ${j.overhead_pct.toFixed(2).padStart(10)}  ${String(j.cold_start_ms).padStart(7)}  ${String(j.peak_rss_mb).padStart(6)}`,
    );
  } catch {
    console.log(`${name.padEnd(52)} failed: ${(r.stderr || line).trim().split("\n").at(-1)}`);
  }
}
