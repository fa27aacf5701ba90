/**
 * `unclip worker`: execute runs from the shared queue in Redis (REDIS_URL) until stopped. Start
 * one per GPU, on any machine that sees the same database (DATABASE_URL), models (MODELS_DIR)
 * and data directory (DATA_DIR); the web server hands them runs and relays their progress.
 */
import os from "node:os";
import { getDb } from "../../server/db/client";
import { getEnv } from "../../server/env";
import { InputError } from "../../server/errors";
import { DEVICES } from "../../server/runtime/device";
import { createServices } from "../../server/services";
import { RunWorker } from "../../server/worker/runWorker";
import { choiceFlag, intFlag, parse, UsageError } from "./args";

export const WORKER_USAGE = `usage: unclip worker [--id NAME] [--device auto|cpu|cuda] [--lease-seconds 15]
Takes runs from the queue in Redis (REDIS_URL) and executes them, one at a time, until SIGINT or
SIGTERM (the run in progress is finished first; a second signal stops at once and the run is
retried by another worker). Uses DATABASE_URL, DATA_DIR and MODELS_DIR like the web server.
--id names the worker in the run records (default HOST-PID). A worker that stops renewing a
run's lease for --lease-seconds is taken to be gone and its run is retried once.`;

export async function workerCommand(argv: string[], signal: AbortSignal): Promise<string> {
  const { values, positionals } = parse(argv, {
    id: { type: "string" },
    device: { type: "string" },
    "lease-seconds": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return `${WORKER_USAGE}\n`;
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const id = typeof values.id === "string" ? values.id : `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new UsageError("--id must be 1–64 letters, digits, dots, dashes or underscores");
  if (values.device !== undefined) process.env.UNCLIP_DEVICE = choiceFlag(values.device, "device", DEVICES, "auto");
  const leaseSeconds = intFlag(values["lease-seconds"], "lease-seconds", 1) ?? 15;

  const env = getEnv();
  if (!env.redisUrl) {
    throw new InputError("bad_env", "unclip worker needs REDIS_URL (e.g. redis://127.0.0.1:6379): the queue it takes runs from", { parameter: "REDIS_URL" });
  }
  await getDb();
  const services = createServices(env);
  const worker = new RunWorker({ redisUrl: env.redisUrl, id, executor: services.executor, execute: services.execute, leaseMs: leaseSeconds * 1000 });
  await worker.start();
  const info = worker.describe();
  process.stdout.write(`worker ${id} ready: device ${info.device}, models in ${env.modelsDir}\n`);

  // first signal: finish the run in progress; second: stop now
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals === 1) resolve();
      else process.exit(130);
    };
    if (signal.aborted) resolve();
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await worker.stop();
  await services.models.unload();
  return `worker ${id} stopped\n`;
}
