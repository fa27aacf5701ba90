/** Shared setup for the database tests: a fresh data directory per test file, child processes. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { closeDb } from "../../server/db/client";
import { resetEnv } from "../../server/env";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD = path.join(REPO_ROOT, "tests", "db", "fixtures", "dbChild.ts");
const ENV_KEYS = ["DATA_DIR", "DATABASE_URL", "MODELS_DIR"] as const;

/**
 * Point DATA_DIR at a new temp directory for this test file (the database is created inside it
 * on first use) and remove it afterwards; MODELS_DIR is unset unless given. The environment and
 * the database client are restored afterwards. Returns a getter for the directory.
 */
export function useTempDataDir(o: { prefix?: string; modelsDir?: string } = {}): () => string {
  let dir = "";
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    dir = mkdtempSync(path.join(os.tmpdir(), o.prefix ?? "unclip-db-test-"));
    await switchDataDir(path.join(dir, "data"), o.modelsDir);
  });
  afterAll(async () => {
    await closeDb();
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetEnv();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => path.join(dir, "data");
}

/** Close the client and point the environment at another data directory. */
export async function switchDataDir(dataDir: string, modelsDir?: string): Promise<void> {
  await closeDb();
  process.env.DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  if (modelsDir === undefined) delete process.env.MODELS_DIR;
  else process.env.MODELS_DIR = modelsDir;
  resetEnv();
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function childEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  return env;
}

/** Run the child script to completion. */
export function runChild(dataDir: string, ...args: string[]): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", CHILD, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(dataDir),
    encoding: "utf8",
    timeout: 90_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run the child script without waiting (for concurrent starts). */
export function runChildAsync(dataDir: string, ...args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: REPO_ROOT, env: childEnv(dataDir) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Start the child, wait for its first line of output (a JSON object), then kill it with SIGKILL:
 * a crash with no chance to clean up.
 */
export function runChildAndKill(dataDir: string, ...args: string[]): Promise<{ line: Record<string, unknown>; result: ChildResult }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: REPO_ROOT, env: childEnv(dataDir) });
    let stdout = "";
    let stderr = "";
    let line: Record<string, unknown> | null = null;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child gave no output in time: ${stderr}`));
    }, 90_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      const nl = stdout.indexOf("\n");
      if (line === null && nl >= 0) {
        line = JSON.parse(stdout.slice(0, nl)) as Record<string, unknown>;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (line === null) reject(new Error(`child exited (${code ?? signal}) without output: ${stderr}`));
      else resolve({ line, result: { code, signal, stdout, stderr } });
    });
  });
}

export function parseLastLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
