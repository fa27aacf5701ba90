/**
 * The run queue through Redis (BullMQ) with PostgreSQL as the database and a worker taking the
 * runs: the same suite as the in-process queue (tests/graph/queueSuite.ts).
 */
import { defineQueueSuite } from "../graph/queueSuite";
import { describeWithServices } from "../helpers/services";

describeWithServices("queue in Redis", { redis: true, postgres: true }, () => defineQueueSuite("redis"));
