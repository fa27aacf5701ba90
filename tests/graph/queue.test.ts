/**
 * The in-process run queue (the web server executes runs itself, one at a time) over the real
 * database store in a temp SQLite data directory. The same suite runs against the queue in Redis
 * in tests/scale/queue.redis.test.ts.
 */
import { defineQueueSuite } from "./queueSuite";

defineQueueSuite("in-process");
