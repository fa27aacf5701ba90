/**
 * Start the built app (`next build` output) as a real server process for end-to-end tests, on a
 * free port with its own data directory. The test command builds the app before vitest runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../scripts/lib/localServices";
import { REPO_ROOT } from "./fixtures";

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  modelsDir: string;
  /** Everything the server printed (for failure messages). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stop (SIGKILL by default: a crash) and start again on the same port and data. */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

export function appIsBuilt(): boolean {
  return existsSync(path.join(REPO_ROOT, ".next", "BUILD_ID"));
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const r = await fetch(`${url}/api/health`); // open in both modes (class mode answers 401 elsewhere)
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not answer within ${timeoutMs} ms:\n${output()}`);
}

export async function startServer(options: { modelsDir: string; dataDir?: string; env?: Record<string, string> }): Promise<TestServer> {
  if (!appIsBuilt()) throw new Error("the app is not built: run `npx next build` (the test command does it first)");
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "unclip-server-"));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let output = "";
  const launch = async () => {
    child = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: dataDir, MODELS_DIR: options.modelsDir, DATABASE_URL: "", NODE_ENV: "production", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    await waitUntilUp(url, child, () => output);
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  };
  await launch();
  return {
    url,
    port,
    dataDir,
    modelsDir: options.modelsDir,
    log: () => output,
    stop,
    async restart(signal: NodeJS.Signals = "SIGKILL") {
      await stop(signal);
      await launch();
    },
  };
}
