/** `unclip worker` processes for tests: started as real child processes, killed like real crashes. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./fixtures";

export interface TestWorker {
  id: string;
  child: ChildProcess;
  log(): string;
  /** SIGKILL by default: a crash with no chance to clean up. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startWorker(id: string, env: Record<string, string>, o: { leaseSeconds?: number } = {}): Promise<TestWorker> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "bin", "unclip.ts"), "worker", "--id", id, "--device", "cpu", "--lease-seconds", String(o.leaseSeconds ?? 3)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${id} not ready in time:\n${output}`)), 90_000);
    const check = () => {
      if (/ready: device/.test(output)) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${id} exited (${code}):\n${output}`));
    });
  });
  return {
    id,
    child,
    log: () => output,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await exited;
    },
  };
}
