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
import { lastQueuedRank } from "../db/runs";
import type { NodeRegistry } from "../graph/registry";
import { addRunJob, type RunJobQueue, runJobFromDatabase } from "./runJobs";

export async function reconcileQueue(queue: RunJobQueue, registry: NodeRegistry): Promise<{ added: string[] }> {
  const queued = await queuedRunIds();
  const lapsed = new Set(await runsWithLapsedLease());
  // a run whose worker died is retried after what is waiting now (the back of the fair order)
  const back = (await lastQueuedRank()) + 1;
  const added: string[] = [];
  for (const id of [...new Set([...queued, ...lapsed])]) {
    if (await queue.getJob(id)) continue;
    const job = await runJobFromDatabase(id, registry);
    await addRunJob(queue, lapsed.has(id) ? { ...job, fairRank: Math.max(job.fairRank ?? 0, back) } : job);
    added.push(id);
  }
  return { added };
}
