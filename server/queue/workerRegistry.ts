/**
 * Which workers are alive, what device they run on and which model packages they hold: each
 * worker writes its WorkerInfo into one Redis hash every few seconds and whenever it changes;
 * entries not refreshed for a while belong to workers that are gone.
 */
import type { Redis } from "ioredis";
import type { WorkerInfo } from "./types";
import { WORKERS_KEY } from "./redis";

/** A worker that has not refreshed its entry for this long is taken to be gone. */
export const WORKER_STALE_MS = 10_000;

export async function announceWorker(redis: Redis, info: WorkerInfo): Promise<void> {
  await redis.hset(WORKERS_KEY, info.id, JSON.stringify(info));
}

export async function withdrawWorker(redis: Redis, id: string): Promise<void> {
  await redis.hdel(WORKERS_KEY, id);
}

/** Live workers, by id; entries gone stale are removed. */
export async function listWorkers(redis: Redis, now = Date.now()): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(WORKERS_KEY);
  const live: WorkerInfo[] = [];
  for (const [id, text] of Object.entries(all)) {
    let info: WorkerInfo | null = null;
    try {
      info = JSON.parse(text) as WorkerInfo;
    } catch {
      // unreadable: treat as stale
    }
    if (info && now - info.seenAt < WORKER_STALE_MS) live.push(info);
    else await redis.hdel(WORKERS_KEY, id);
  }
  return live.sort((a, b) => a.id.localeCompare(b.id));
}
