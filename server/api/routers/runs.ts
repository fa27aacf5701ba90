import { randomUUID } from "node:crypto";
import { on } from "node:events";
import { z } from "zod";
import type { RunEvent } from "../../../nodes/core/runEvents";
import { ValidationFailed } from "../../graph/executor";
import { validateWorkflow } from "../../graph/validate";
import { parseWorkflow, type Workflow } from "../../../nodes/core/workflow";
import type { ParamSpec } from "../../../nodes/core/types";
import { orExample, uploadExistsIn } from "../../graph/inputFiles";
import { assertQueueHasRoom } from "../../queue/admission";
import { uploadsDir } from "../../uploads";
import { InputError } from "../../errors";
import { limitMessage } from "../../limitsConfig";
import { QUEUE_FULL } from "../../queue/admission";
import { uploadNamesIn } from "../../db/uploads";
import type { Context } from "../trpc";
import { batchWorkflows } from "../../../nodes/core/batchSeeds";
import { runLabel, seedParamsIn } from "../runLabels";
import { MAX_HISTORY_PER_NODE } from "../../db/runs";
import { teacherProcedure, userProcedure, router } from "../trpc";

const Id = z.string().min(1).max(64);

export type StreamEvent = RunEvent | { type: "snapshot"; active: unknown[]; current: string | null };

/**
 * Validation's "does this input image exist": an uploaded file, and (a student) one they uploaded
 * themselves — someone else's image is as absent as a missing one; or a shipped example (anyone's).
 */
async function inputFileCheck(ctx: Context, wf: Workflow) {
  const exists = uploadExistsIn(uploadsDir(ctx.services.env));
  const usable = await ctx.db.uploads.usableUploads(uploadNamesIn(wf));
  return orExample(ctx.services.env.rootDir, (name: string, param: ParamSpec) => exists(name, param) && (usable === null || usable.has(name)));
}

/**
 * Validate a workflow and check that `count` more runs of the viewer fit in the queue; nothing is
 * queued when any check fails.
 */
async function admit(ctx: Context, input: { workflow: unknown; workflowId?: string | null }, count: number): Promise<Workflow> {
  const wf = parseWorkflow(input.workflow);
  const { env } = ctx.services;
  const { errors } = validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: await inputFileCheck(ctx, wf) });
  if (errors.length) throw new ValidationFailed(errors);
  // a run may be linked only to a workflow the viewer can open (404 otherwise)
  if (input.workflowId) await ctx.db.workflows.getWorkflow(input.workflowId);
  await assertQueueHasRoom(env.limits, count);
  if (env.authMode === "class") {
    // one user cannot fill the class's queue: a cap per user, on top of the fair order
    const mine = await ctx.db.runs.countQueuedRuns();
    if (mine + count > env.limits.maxQueuedPerUser) {
      throw new InputError(QUEUE_FULL, limitMessage("maxQueuedPerUser", mine + count, env.limits, "you have too many runs waiting: "), {
        parameter: "workflow",
      });
    }
  }
  return wf;
}

const RunOptionsInput = z.object({ previewEvery: z.number().int().min(0).max(1000).optional(), trace: z.boolean().optional() }).optional();

export const runsRouter = router({
  /** Validate and queue a workflow; validation problems come back at once, naming nodes and ports. */
  enqueue: userProcedure.input(z.object({ workflow: z.unknown(), workflowId: Id.nullish(), options: RunOptionsInput })).mutation(async ({ ctx, input }) => {
    const wf = await admit(ctx, input, 1);
    return ctx.services.queue.enqueue(wf, input.options ?? {}, input.workflowId ?? null, ctx.viewer.id, runLabel(wf, ctx.services.registry));
  }),
  /**
   * "Run ×N": N runs of one workflow with successive seeds (nodes/core/batchSeeds.ts), sharing a
   * batch id (one group in the queue). Up to UNCLIP_MAX_BATCH_COUNT, and all N must fit in the
   * queue limits, or none is queued. The runs are the viewer's, like any run they queue.
   */
  enqueueBatch: userProcedure
    .input(z.object({ workflow: z.unknown(), workflowId: Id.nullish(), options: RunOptionsInput, count: z.number().int().min(1) }))
    .mutation(async ({ ctx, input }) => {
      const { env, registry, queue } = ctx.services;
      if (input.count > env.limits.maxBatchCount) {
        throw new InputError("batch_too_large", limitMessage("maxBatchCount", input.count, env.limits, "Run ×N: "), { parameter: "count" });
      }
      const wf = await admit(ctx, input, input.count);
      const batchId = randomUUID();
      const runs: { runId: string; position: number }[] = [];
      for (const member of batchWorkflows(wf, input.count, seedParamsIn(registry))) {
        runs.push(await queue.enqueue(member, input.options ?? {}, input.workflowId ?? null, ctx.viewer.id, runLabel(member, registry, batchId)));
      }
      return { batchId, runs };
    }),
  /** The most runs one "Run ×N" may queue (the toolbar's choices): in class mode also no more than one person may have waiting. */
  batchLimit: userProcedure.query(({ ctx }) => {
    const { limits, authMode } = ctx.services.env;
    return { maxBatchCount: authMode === "class" ? Math.min(limits.maxBatchCount, limits.maxQueuedPerUser) : limits.maxBatchCount };
  }),
  /**
   * Each node's stored results (images, previews) in the viewer's own recent runs of a saved
   * workflow, or of the runs an unsaved tab queued; newest first, at most `perNode` per node.
   */
  nodeHistory: userProcedure
    .input(
      z.object({
        workflowId: Id.optional(),
        runIds: z.array(Id).max(40).optional(),
        perNode: z.number().int().min(1).max(MAX_HISTORY_PER_NODE).optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.db.runs.nodeHistory(input)),
  /** Two images the viewer may see, with the workflows that made them (the compare view). */
  compare: userProcedure.input(z.object({ a: Id, b: Id })).query(({ ctx, input }) => ctx.db.artifacts.compareImages(input)),
  /** Validate without running (the editor shows the problems on nodes and ports). */
  validate: userProcedure.input(z.object({ workflow: z.unknown() })).query(async ({ ctx, input }) => {
    const wf = parseWorkflow(input.workflow);
    const { env } = ctx.services;
    return validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: await inputFileCheck(ctx, wf) }).errors;
  }),
  /**
   * The same check as a POST that answers with the problems instead of refusing: the editor asks
   * before it queues, so a workflow with problems is shown on its nodes without a failed request.
   * Stores nothing and answers only about the workflow sent (with the viewer's uploads); the request
   * body limit and validation's work limits bound it as they bound runs.validate.
   */
  check: userProcedure.input(z.object({ workflow: z.unknown() })).mutation(async ({ ctx, input }) => {
    const wf = parseWorkflow(input.workflow);
    const { env } = ctx.services;
    return validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: await inputFileCheck(ctx, wf) }).errors;
  }),
  get: userProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const run = await ctx.db.runs.getRun(input.id);
    return { ...run, live: ctx.services.hub.state(input.id) ?? null };
  }),
  list: userProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).optional(), cursor: Id.optional() }).optional())
    .query(({ ctx, input }) => ctx.db.runs.listRuns(input ?? {})),
  /** The processes executing runs (workers behind the queue in Redis; none in-process). */
  workers: teacherProcedure.query(({ ctx }) => ctx.services.queue.workers()),
  /**
   * The viewer's running and waiting runs (a teacher: everyone's), and for each waiting run how
   * many runs start before it ("2 runs ahead of yours") without naming anyone else's.
   */
  pending: userProcedure.query(async ({ ctx }) => {
    const current = ctx.services.queue.current;
    return {
      current: current !== null && (await ctx.db.runs.runVisible(current)) ? current : null,
      pending: await ctx.db.runs.listPendingRuns(),
      standing: await ctx.db.runs.queueStanding(),
    };
  }),
  cancel: userProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.db.runs.assertRunOwned(input.id); // someone else's run is not found (404)
    return { result: await ctx.services.queue.cancel(input.id) };
  }),
  clear: teacherProcedure.mutation(async ({ ctx }) => ({ cleared: await ctx.services.queue.clear() })),
  moveToFront: userProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.db.runs.assertRunOwned(input.id);
    return { moved: await ctx.services.queue.moveToFront(input.id, ctx.viewer) };
  }),
  /** The viewer's saved images, or with `shared` those of workflows shared with the class. */
  gallery: userProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(200).optional(),
          cursor: Id.optional(),
          shared: z.boolean().optional(),
          /** Only images whose prompt contains this text (any case). */
          prompt: z.string().max(200).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.db.artifacts.listGalleryImages(input ?? {})),
  /**
   * Progress events over SSE; starts with a snapshot of what is queued and running now. Only the
   * viewer's own runs (a teacher: all), each run's owner looked up once per connection.
   */
  events: userProcedure.subscription(async function* ({ ctx, signal }) {
    const { hub, queue } = ctx.services;
    const seen = new Map<string, boolean>();
    const visible = async (runId: string): Promise<boolean> => {
      if (ctx.viewer.role === "teacher") return true;
      let v = seen.get(runId);
      if (v === undefined) {
        v = await ctx.db.runs.runVisible(runId);
        if (seen.size > 1_000) seen.clear(); // bounded: a long-lived stream sees many runs
        seen.set(runId, v);
      }
      return v;
    };
    // listen first (on() buffers), so nothing emitted while the snapshot is sent is lost
    const live = on(hub.emitter, "event", { signal });
    const active = [];
    for (const s of hub.active()) if (await visible(s.runId)) active.push(s);
    const current = queue.current !== null && (await visible(queue.current)) ? queue.current : null;
    yield { type: "snapshot", active, current };
    for await (const [e] of live) if (await visible((e as RunEvent).runId)) yield e as StreamEvent;
  }),
});
