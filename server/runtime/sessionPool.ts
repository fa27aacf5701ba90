/**
 * One InferenceSession per graph file and device, created on first use and reused by later
 * runs until `release()`. Every session reports the provider that actually runs it, and the pool
 * accounts the time spent inside `session.run` so callers can tell model time from overhead.
 */
import "#server-only";
import * as ort from "onnxruntime-node";
import { PackageError, UnclipError } from "../errors";
import type { Device, Provider } from "./device";
import { cudaLibraryInstalled, noteCudaUnavailable, providerCandidates } from "./device";
import { checkGraphSignature } from "./graphContract";
import type { GraphComponent, ModelPackage } from "./modelPackage";
import { graphFile } from "./modelPackage";
import { defaultTuning, type SessionTuning, toSessionOptions } from "./sessionOptions";

export type Feeds = Record<string, ort.Tensor>;
export type Fetches = Record<string, ort.Tensor>;

export interface ManagedSession {
  component: GraphComponent;
  file: string;
  provider: Provider;
  run(feeds: Feeds): Promise<Fetches>;
}

export interface PoolStats {
  sessionsCreated: number;
  sessionCreateMs: number;
  sessionRunMs: number;
  sessionRuns: number;
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

function corruptGraph(file: string, component: GraphComponent, err: unknown): PackageError {
  return new PackageError("corrupt_graph", `${file}: onnxruntime cannot load this graph (${firstLine((err as Error).message)})`, {
    file,
    component,
  });
}

export class SessionPool {
  private readonly sessions = new Map<string, Promise<{ session: ort.InferenceSession; provider: Provider }>>();
  readonly stats: PoolStats = { sessionsCreated: 0, sessionCreateMs: 0, sessionRunMs: 0, sessionRuns: 0 };
  readonly tuning: SessionTuning;

  constructor(
    readonly device: Device = "auto",
    tuning?: Partial<SessionTuning>,
  ) {
    this.tuning = { ...defaultTuning(), ...tuning };
  }

  /** The session for a package's graph, created (and its signature checked) on first use. */
  async get(pkg: ModelPackage, component: GraphComponent): Promise<ManagedSession> {
    const file = graphFile(pkg, component);
    let entry = this.sessions.get(file);
    if (!entry) {
      entry = this.create(pkg, component, file);
      this.sessions.set(file, entry);
      const failed = entry;
      // forget a failed load so the next get retries, unless release() already replaced it
      failed.catch(() => {
        if (this.sessions.get(file) === failed) this.sessions.delete(file);
      });
    }
    const { session, provider } = await entry;
    const stats = this.stats;
    return {
      component,
      file,
      provider,
      async run(feeds: Feeds): Promise<Fetches> {
        const t0 = performance.now();
        try {
          return await session.run(feeds);
        } catch (err) {
          throw new UnclipError("runtime", "session_run", `${file}: onnxruntime failed: ${(err as Error).message}`, { file, component });
        } finally {
          stats.sessionRunMs += performance.now() - t0;
          stats.sessionRuns++;
        }
      },
    };
  }

  private async create(pkg: ModelPackage, component: GraphComponent, file: string) {
    const t0 = performance.now();
    let cudaError: Error | undefined;
    for (const provider of providerCandidates(this.device)) {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(file, toSessionOptions(this.tuning, [provider]));
      } catch (err) {
        if (provider === "cuda") {
          cudaError = err as Error;
          continue;
        }
        throw corruptGraph(file, component, err);
      }
      // Only once the CPU provider has loaded what CUDA could not is CUDA itself to blame: a broken
      // graph must not make `auto` give up CUDA for every later session.
      if (cudaError) noteCudaUnavailable(firstLine(cudaError.message));
      try {
        checkGraphSignature(pkg, component, session.inputMetadata, session.outputMetadata);
      } catch (err) {
        await session.release();
        throw err;
      }
      this.stats.sessionsCreated++;
      this.stats.sessionCreateMs += performance.now() - t0;
      return { session, provider };
    }
    // Only device "cuda" gets here. With the CUDA library present the failure may be the graph
    // itself; a CPU load tells the two apart.
    const installed = cudaLibraryInstalled();
    if (installed) {
      try {
        await (await ort.InferenceSession.create(file, toSessionOptions(this.tuning, ["cpu"]))).release();
      } catch (err) {
        throw corruptGraph(file, component, err);
      }
    }
    const detail = firstLine(cudaError?.message ?? "unknown error");
    const reason = installed ? detail : `the CUDA build of onnxruntime-node is not installed: ${detail}`;
    noteCudaUnavailable(reason);
    throw new UnclipError(
      "runtime",
      "cuda_unavailable",
      `device "cuda" was requested but onnxruntime-node's CUDA execution provider is not available (${reason}); install the CUDA build with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install, or use --device auto`,
      { file, component },
    );
  }

  /** Number of sessions currently held. */
  get size(): number {
    return this.sessions.size;
  }

  /** Release every session (frees model memory); later runs create them again. */
  async release(): Promise<void> {
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    for (const e of entries) {
      try {
        await (await e).session.release();
      } catch {
        // a session that failed to load holds nothing to release
      }
    }
  }
}
