/**
 * Makes Redis agree with the database, which is the record of every run. Redis may have lost
 * jobs (a restart without persistence, a web server that died between recording a run and
 * handing it over); the database knows every run that still needs a worker:
 *
 * - each queued run must have a job;
 * - each running run whose lease ran out (its worker died) gets a job again, so that a worker
 *   retries it or records that it failed (server/db/runLeases.ts decides which).
 *
 * Jobs are keyed by run id, so adding one that exists changes nothing.
 */
import { queuedRunIds, runsWithLapsedLease } from "../db/runLeases";
import type { NodeRegistry } from "../graph/registry";
import { addRunJob, type RunJobQueue, runJobFromDatabase } from "./runJobs";

export async function reconcileQueue(queue: RunJobQueue, registry: NodeRegistry): Promise<{ added: string[] }> {
  const ids = [...new Set([...(await queuedRunIds()), ...(await runsWithLapsedLease())])];
  const added: string[] = [];
  for (const id of ids) {
    if (await queue.getJob(id)) continue;
    await addRunJob(queue, await runJobFromDatabase(id, registry));
    added.push(id);
  }
  return { added };
}
