/**
 * Shared pieces of the end-to-end API tests: a typed tRPC client over HTTP (batch link for
 * queries and mutations, SSE for subscriptions, superjson both ways, like the editor), an event
 * recorder for `runs.events`, and the "Text to image" template rewritten for the tiny package.
 */
import { request } from "node:http";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";
import superjson from "superjson";
import { describe, it } from "vitest";
import type { AppRouter } from "../../server/api/root";
import type { StreamEvent } from "../../server/api/routers/runs";
import type { Workflow } from "../../nodes/core/workflow";
import { describeWithFixtures } from "../helpers/fixtures";
import { appIsBuilt } from "../helpers/server";

export type Client = TRPCClient<AppRouter>;

const NOT_BUILT = "the app is not built (.next/BUILD_ID missing): run `npx next build`, or `npm test`, which builds first; skipped";

/** `describe` for tests against the built server: skipped, saying why, without fixtures or a build. */
export function describeApi(name: string, body: () => void): void {
  describeWithFixtures(name, () => {
    if (appIsBuilt()) body();
    else describe.skip(`${name} [${NOT_BUILT}]`, () => it("needs the built app", () => {}));
  });
}

export function createClient(baseUrl: string): Client {
  const url = `${baseUrl}/api/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url, transformer: superjson, EventSource }),
        false: httpBatchLink({ url, transformer: superjson }),
      }),
    ],
  });
}

/** The rejection of a tRPC call, as the client sees it (fails the test if it resolved). */
export async function trpcError(p: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TRPCClientError<AppRouter>;
    throw err;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

type Pred = (e: StreamEvent) => boolean;

/** Records everything `runs.events` delivers; tests wait for the event they expect. */
export class EventRecorder {
  readonly events: StreamEvent[] = [];
  /** Connection states in order: "connecting", "pending" (connected), "idle". */
  readonly states: string[] = [];
  readonly errors: unknown[] = [];
  private waiters: { pred: Pred; from: number; resolve: (e: StreamEvent) => void }[] = [];
  private unsubscribe: () => void = () => {};

  constructor(client: Client) {
    const sub = client.runs.events.subscribe(undefined, {
      onData: (e) => this.push(e as StreamEvent),
      onError: (err) => this.errors.push(err),
      onConnectionStateChange: (s) => this.states.push(s.state),
    });
    this.unsubscribe = () => sub.unsubscribe();
  }

  private push(e: StreamEvent): void {
    this.events.push(e);
    const i = this.events.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (i >= w.from && w.pred(e)) {
        w.resolve(e);
        return false;
      }
      return true;
    });
  }

  /** Index to pass as `from` so that only events after this moment count. */
  mark(): number {
    return this.events.length;
  }

  /** The first event (at index `from` or later) matching `pred`, waiting for it when needed. */
  waitFor(pred: Pred, what: string, timeoutMs = 60_000, from = 0): Promise<StreamEvent> {
    const seen = this.events.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        from,
        resolve: (e: StreamEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const tail = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 200));
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last events:\n${tail.join("\n")}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Wait for the end of a run (finished, failed or cancelled). */
  waitForEnd(runId: string, timeoutMs = 60_000): Promise<StreamEvent> {
    return this.waitFor(
      (e) => "runId" in e && e.runId === runId && (e.type === "run.finished" || e.type === "run.failed" || e.type === "run.cancelled"),
      `the end of run ${runId}`,
      timeoutMs,
    );
  }

  /** Events of one run, in arrival order. */
  of(runId: string): Extract<StreamEvent, { runId: string }>[] {
    return this.events.filter((e): e is Extract<StreamEvent, { runId: string }> => "runId" in e && e.runId === runId);
  }

  close(): void {
    this.unsubscribe();
  }
}

/** Deep copy, so tests never change the server's template objects they received. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function nodesOfType(wf: Workflow, type: string) {
  return wf.nodes.filter((n) => n.type === type);
}

/** The node feeding `port` of node `to` (by the workflow's links). */
export function sourceOf(wf: Workflow, to: string, port: string) {
  const link = wf.links.find((l) => l.to.node === to && l.to.port === port);
  if (!link) throw new Error(`nothing feeds ${to}.${port}`);
  return wf.nodes.find((n) => n.id === link.from.node)!;
}

/**
 * A template pointed at `pkg` with every scheduler at `steps` (and, optionally, the decoder's
 * scheduler at `decoderSteps`); nodes are found by type, never by id.
 */
export function tinyWorkflow(template: Workflow, o: { pkg?: string; steps?: number; decoderSteps?: number; seed?: number } = {}): Workflow {
  const wf = clone(template);
  for (const n of nodesOfType(wf, "unclip.load_package")) n.params.package = o.pkg ?? "unclip-tiny";
  for (const n of nodesOfType(wf, "unclip.scheduler")) n.params.numInferenceSteps = o.steps ?? 2;
  if (o.decoderSteps !== undefined) {
    const [decoder] = nodesOfType(wf, "unclip.decoder");
    sourceOf(wf, decoder.id, "scheduler").params.numInferenceSteps = o.decoderSteps;
  }
  if (o.seed !== undefined) for (const n of nodesOfType(wf, "unclip.seed")) n.params.seed = o.seed;
  return wf;
}

/** A valid 64×64 RGB PNG made with sharp. */
export async function makePng(color = { r: 200, g: 40, b: 40 }): Promise<Uint8Array<ArrayBuffer>> {
  const sharp = (await import("sharp")).default;
  // a plain Uint8Array copy: fetch's BodyInit type does not take a Buffer
  return new Uint8Array(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: color } })
      .png()
      .toBuffer(),
  );
}

/** A minimal 1×1 GIF89a. */
export const GIF_1X1 = new Uint8Array(Buffer.from("R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==", "base64"));

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request through node:http on a connection of its own, which sends the path and
 * headers exactly as given (fetch normalises dot-segments and will not let a test set Host).
 * A body given as several chunks goes out chunked, without a content-length.
 */
export function rawRequest(
  url: string,
  o: { path: string; method?: string; headers?: Record<string, string>; body?: Uint8Array | string; chunks?: Iterable<Uint8Array> },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: hostname, port: Number(port), path: o.path, method: o.method ?? "GET", headers: o.headers, agent: false }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // a server may answer (413) and close before the whole body is sent: that is not a failure
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    if (o.chunks) {
      void (async () => {
        for (const chunk of o.chunks!) {
          if (answered || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        }
        req.end();
      })();
    } else {
      req.end(o.body);
    }
  });
}
