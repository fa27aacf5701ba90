/**
 * Runs the in-process queue's runs on a worker thread (thread.ts), so that nothing a run does —
 * onnxruntime-node's synchronous `session.run`, guidance arithmetic, image conversions, PNG
 * encoding — holds the web server's event loop. The main thread keeps the database and the data
 * directory and answers the thread's requests for them; it forwards cancels (they land within
 * one denoising step, as before: the sampler yields after every step) and relays run events.
 *
 * The thread starts with the first run. If it dies (an uncaught error, out of memory, killed),
 * the run it was executing fails with a clear error and the next run starts a new thread.
 * Worker processes (`unclip worker`, server/worker) execute in their own main thread: they
 * serve no requests.
 */
import { Worker } from "node:worker_threads";
import { CancelledError, UnclipError } from "../errors";
import type { ExecutorServices, RunReport } from "../graph/executor";
import type { RunEvent } from "../../nodes/core/runEvents";
import type { Execute } from "../queue/runQueue";
import type { Device } from "../runtime/device";
import { type FromThread, serializeError, type ThreadData, ThreadRunError, type ThreadState, type ToThread } from "./protocol";

export interface ExecutorThreadOptions {
  /** The thread's entry file (boot.mjs), absolute. */
  bootFile: string;
  modelsDir: string;
  device: Device;
  cacheBytes: number;
  /** What the thread's executor asks the main thread for: uploads and artifact storage. */
  readUpload: ExecutorServices["readUpload"];
  saveImage: ExecutorServices["saveImage"];
  saveTrace?: ExecutorServices["saveTrace"];
}

interface PendingRun {
  onEvent: (e: RunEvent) => void;
  resolve: (r: RunReport) => void;
  reject: (e: Error) => void;
}

/** How long a thread asked to exit may take (its model call in progress ends first). */
const EXIT_WAIT_MS = 120_000;

const EMPTY_STATE: ThreadState = { cache: { entries: 0, bytes: 0 }, loaded: [] };

/** UNCLIP_EXECUTOR_THREAD: "0", "false" or "off" executes runs on the web server's main thread. */
export function executorThreadFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|off|no)$/i.test(env.UNCLIP_EXECUTOR_THREAD?.trim() ?? "");
}

export class ExecutorThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly runs = new Map<string, PendingRun>();
  private readonly requests = new Map<number, (value: number) => void>();
  /** Requests of the thread that the main thread is answering now. */
  private answering = 0;
  private nextRequest = 0;
  private state: ThreadState = EMPTY_STATE;
  private closed = false;
  /** Whether the current thread has loaded (a thread that dies before is a broken setup, not a crash). */
  private ready = false;
  /** How many threads were started so far (a restart after a crash makes two). */
  starts = 0;

  constructor(private readonly o: ExecutorThreadOptions) {}

  /** Execute one run on the thread; resolves or rejects as executeWorkflow would have. */
  readonly execute: Execute = async (run, signal, onEvent) => {
    if (this.closed) throw new CancelledError("the server is stopping");
    const worker = await this.thread();
    if (signal.aborted) throw new CancelledError();
    return new Promise<RunReport>((resolve, reject) => {
      const onAbort = () => this.post({ type: "cancel", runId: run.id });
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        signal.removeEventListener("abort", onAbort);
        this.runs.delete(run.id);
        this.holdProcess();
      };
      this.runs.set(run.id, {
        onEvent,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.holdProcess();
      worker.postMessage({ type: "run", runId: run.id, workflow: run.workflow, options: run.options } satisfies ToThread);
    });
  };

  /** Start the thread now rather than with the first run (the server at start: a broken setup shows at once). */
  warm(): void {
    if (!this.closed) this.thread().catch((err: unknown) => console.error(`executor thread: ${(err as Error)?.message ?? String(err)}`));
  }

  /** The thread's cache, as it last reported it (answered at once, even mid-step). */
  cacheStats(): { entries: number; bytes: number } {
    return this.state.cache;
  }

  /** Model package folders loaded in the thread, as it last reported them. */
  loadedPackages(): string[] {
    return this.state.loaded;
  }

  /** Empty the thread's cache; resolves with the entries removed (after the step in progress). */
  clearCache(): Promise<number> {
    return this.request("clearCache");
  }

  /** Release the thread's model sessions; resolves with the packages released. */
  unloadModels(): Promise<number> {
    return this.request("unloadModels");
  }

  /**
   * End the thread as a crash would (tests): the run on it fails, the next run starts a new one.
   * The thread is asked to exit at its next turn, between model calls: `worker.terminate()` while
   * onnxruntime-node is inside its native run makes the addon throw where nothing catches it, which
   * aborts the whole process.
   */
  kill(): Promise<void> {
    return this.end(false);
  }

  /** Stop for good (server shutdown; the queue has stopped its run first): sessions are released, then the thread ends. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.end(true);
  }

  private async end(release: boolean): Promise<void> {
    const worker = this.worker ?? (await this.starting?.catch(() => null));
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.ref();
    worker.postMessage({ type: "exit", release } satisfies ToThread);
    // a thread that never takes its next turn (stuck in JavaScript) is terminated after a while
    const stuck = setTimeout(() => void worker.terminate(), EXIT_WAIT_MS);
    await exited;
    clearTimeout(stuck);
  }

  private request(type: "clearCache" | "unloadModels"): Promise<number> {
    // no thread: nothing is cached or loaded there
    if (!this.worker) return Promise.resolve(0);
    const requestId = ++this.nextRequest;
    return new Promise<number>((resolve) => {
      this.requests.set(requestId, (value) => {
        this.requests.delete(requestId);
        this.holdProcess();
        resolve(value);
      });
      this.holdProcess();
      this.post({ type, requestId });
    });
  }

  private post(m: ToThread): void {
    this.worker?.postMessage(m);
  }

  /** The running thread, started on first use. */
  private thread(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private async spawn(): Promise<Worker> {
    // sharp's documentation: on glibc Linux the main thread must load sharp before worker threads
    // do, so that its shared libraries stay loaded when a thread exits; onnxruntime-node's addon
    // likewise, so that a restarted thread finds it loaded and initialised.
    await Promise.all([import("sharp"), import("onnxruntime-node")]);
    const workerData: ThreadData = { modelsDir: this.o.modelsDir, device: this.o.device, cacheBytes: this.o.cacheBytes, traces: !!this.o.saveTrace };
    // no inherited execArgv: the parent's flags (a loader, --input-type, …) are not the thread's
    // business, and boot.mjs registers the one loader it needs
    const worker = new Worker(this.o.bootFile, { workerData, name: "unclip-executor", execArgv: [] });
    this.starts += 1;
    this.ready = false;
    let failure: string | null = null;
    worker.on("message", (m: FromThread) => {
      // the thread's first message (its state) says it has loaded
      this.ready = true;
      this.receive(worker, m);
    });
    worker.on("error", (err) => (failure = err?.message ?? String(err)));
    worker.on("messageerror", (err) => console.error(`executor thread: a message could not be read: ${err.message}`));
    worker.on("exit", (code) => this.exited(worker, failure ?? `exit code ${code}`));
    this.worker = worker;
    this.holdProcess();
    return worker;
  }

  /** The thread is gone: fail what it was doing; the next run starts a new one. */
  private exited(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.state = EMPTY_STATE;
    for (const resolve of [...this.requests.values()]) resolve(0);
    const message = this.ready
      ? `the run stopped because the thread executing it ended (${reason}); its results are lost, and the next run starts on a new thread`
      : `the executor thread could not start (${reason}); set UNCLIP_EXECUTOR_THREAD=0 to execute runs on the server's main thread`;
    if (!this.closed && (this.runs.size > 0 || !this.ready)) console.error(`executor thread: ${message}`);
    for (const run of [...this.runs.values()]) {
      run.reject(this.closed ? new CancelledError("the server is stopping") : new UnclipError("runtime", "executor_thread_stopped", message));
    }
  }

  private receive(worker: Worker, m: FromThread): void {
    switch (m.type) {
      case "event":
        this.runs.get(m.event.runId)?.onEvent(m.event);
        return;
      case "state":
        this.state = m.state;
        return;
      case "finished":
        this.runs.get(m.runId)?.resolve(m.report);
        return;
      case "failed":
        this.runs.get(m.runId)?.reject(m.cancelled ? new CancelledError() : new ThreadRunError(m.error, m.kind, m.errors));
        return;
      case "done":
        this.requests.get(m.requestId)?.(m.value);
        return;
      case "readUpload":
        this.answer(worker, m.requestId, () => this.o.readUpload(m.name));
        return;
      case "saveImage":
        this.answer(worker, m.requestId, () => this.o.saveImage(m.runId, m.nodeId, m.png, m.info));
        return;
      case "saveTrace": {
        const saveTrace = this.o.saveTrace;
        this.answer(worker, m.requestId, () => (saveTrace ? saveTrace(m.runId, m.nodeId, m.json) : Promise.reject(new Error("traces are not stored here"))));
        return;
      }
    }
  }

  private answer(worker: Worker, requestId: number, work: () => Promise<unknown>): void {
    this.answering += 1;
    work()
      .then(
        (value) => worker.postMessage({ type: "answer", requestId, ok: true, value } satisfies ToThread),
        (err: unknown) => worker.postMessage({ type: "answer", requestId, ok: false, error: serializeError(err) } satisfies ToThread),
      )
      .finally(() => {
        this.answering -= 1;
        this.holdProcess();
      });
  }

  /**
   * An idle thread must not keep a process alive (a test or script that forgot to stop it), but
   * one with work in progress must, or a script awaiting only the run would exit early.
   */
  private holdProcess(): void {
    if (!this.worker) return;
    if (this.runs.size + this.requests.size + this.answering > 0) this.worker.ref();
    else this.worker.unref();
  }
}
