/** Runs the `unclip` CLI as a user would (node bin/unclip.mjs …) and collects what it printed. */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./fixtures";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A process still running after `boundMs` is killed and reported as hung, so no case can stall the suite. */
export function runUnclip(args: string[], options: { cwd?: string; boundMs?: number } = {}): Promise<CliResult> {
  const boundMs = options.boundMs ?? 110_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/unclip.mjs"), ...args], { cwd: options.cwd ?? REPO_ROOT });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`unclip ${args.slice(0, 3).join(" ")} … hung (killed after ${boundMs} ms); stderr:\n${stderr}`));
    }, boundMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
