/**
 * Carries RunEvents between processes over Redis pub/sub: workers publish what their executor
 * emits, web servers feed what they receive into their EventHub, so the editor's subscription
 * sees the same stream as when the web server runs everything itself.
 *
 * Pub/sub keeps nothing: a process that is disconnected misses events. That is acceptable
 * because the database holds every run's outcome and the web server reconciles its hub with it.
 */
import type { Redis } from "ioredis";
import type { RunEvent } from "../../nodes/core/runEvents";
import { CONTROL_CHANNEL, EVENTS_CHANNEL, openRedis } from "./redis";

export type ControlMessage = { type: "cancel"; runId: string };

interface Envelope<T> {
  origin: string;
  message: T;
}

export class EventRelay {
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;
  private warned = false;

  constructor(
    private readonly redisUrl: string,
    /** This process; it does not receive its own messages back. */
    readonly origin: string,
  ) {
    this.publisher = openRedis(redisUrl, `unclip-publish-${origin}`);
  }

  publishEvent(e: RunEvent): void {
    this.publish(EVENTS_CHANNEL, e);
  }

  publishControl(m: ControlMessage): void {
    this.publish(CONTROL_CHANNEL, m);
  }

  /** Receive events and control messages from the other processes. */
  async listen(handlers: { onEvent?: (e: RunEvent) => void; onControl?: (m: ControlMessage) => void }): Promise<void> {
    const sub = openRedis(this.redisUrl, `unclip-subscribe-${this.origin}`);
    this.subscriber = sub;
    sub.on("message", (channel: string, text: string) => {
      let envelope: Envelope<unknown>;
      try {
        envelope = JSON.parse(text) as Envelope<unknown>;
      } catch {
        return;
      }
      if (envelope.origin === this.origin) return;
      if (channel === EVENTS_CHANNEL) handlers.onEvent?.(envelope.message as RunEvent);
      else if (channel === CONTROL_CHANNEL) handlers.onControl?.(envelope.message as ControlMessage);
    });
    const channels = [handlers.onEvent ? EVENTS_CHANNEL : null, handlers.onControl ? CONTROL_CHANNEL : null].filter((c): c is string => c !== null);
    // ioredis subscribes again by itself after a reconnect
    await sub.subscribe(...channels);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = null;
    await this.publisher.quit().catch(() => this.publisher.disconnect());
  }

  private publish(channel: string, message: unknown): void {
    const text = JSON.stringify({ origin: this.origin, message } satisfies Envelope<unknown>);
    this.publisher.publish(channel, text).then(
      () => {
        this.warned = false;
      },
      (err: Error) => {
        // Redis is away: the outcome is in the database; say so once, not for every step.
        if (!this.warned) console.error(`run events: cannot publish (${err.message}); the database keeps each run's outcome`);
        this.warned = true;
      },
    );
  }
}
