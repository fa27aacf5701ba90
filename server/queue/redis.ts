/**
 * Names and connections shared by the web server and the workers when runs go through Redis.
 *
 * BullMQ gets connection *options* and opens (and closes) its own connections; the event relay
 * and the worker list use plain ioredis clients that their owners close.
 */
import { Redis } from "ioredis";

/** The BullMQ queue; each job is one run, its job id the run id. */
export const RUN_QUEUE_NAME = "unclip-runs";
/** Pub/sub: every RunEvent, from whichever process produced it. */
export const EVENTS_CHANNEL = "unclip:run-events";
/** Pub/sub: requests to the process running a run (cancel). */
export const CONTROL_CHANNEL = "unclip:run-control";
/** Hash: worker id → its WorkerInfo as JSON. */
export const WORKERS_KEY = "unclip:workers";

export interface BullConnection {
  url: string;
  maxRetriesPerRequest: null;
  enableOfflineQueue?: boolean;
}

/**
 * Options for BullMQ. A worker blocks on Redis and must retry forever; the web server's queue
 * handle fails fast instead (`enableOfflineQueue: false`): a run is recorded in the database
 * first, and one that could not be handed to Redis is added again once Redis is back.
 */
export function bullConnection(redisUrl: string, role: "worker" | "producer"): BullConnection {
  return role === "worker" ? { url: redisUrl, maxRetriesPerRequest: null } : { url: redisUrl, maxRetriesPerRequest: null, enableOfflineQueue: false };
}

/** A plain client that reconnects by itself (every 0.1–1 s) while Redis is away. */
export function openRedis(redisUrl: string, name: string): Redis {
  const client = new Redis(redisUrl, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  // Without a listener ioredis prints every failed reconnect; the owner notices through its calls.
  client.on("error", () => {});
  return client;
}
