import { on } from "node:events";
import { z } from "zod";
import type { RunEvent } from "../../../nodes/core/runEvents";
import { ValidationFailed } from "../../graph/executor";
import { validateWorkflow } from "../../graph/validate";
import { parseWorkflow } from "../../../nodes/core/workflow";
import { uploadExistsIn } from "../../graph/inputFiles";
import { assertQueueHasRoom } from "../../queue/admission";
import { uploadsDir } from "../../uploads";
import { publicProcedure, router } from "../trpc";

const Id = z.string().min(1).max(64);

export type StreamEvent = RunEvent | { type: "snapshot"; active: unknown[]; current: string | null };

export const runsRouter = router({
  /** Validate and queue a workflow; validation problems come back at once, naming nodes and ports. */
  enqueue: publicProcedure
    .input(
      z.object({
        workflow: z.unknown(),
        workflowId: Id.nullish(),
        options: z.object({ previewEvery: z.number().int().min(0).max(1000).optional(), trace: z.boolean().optional() }).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const wf = parseWorkflow(input.workflow);
      const { env } = ctx.services;
      const { errors } = validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: uploadExistsIn(uploadsDir(env)) });
      if (errors.length) throw new ValidationFailed(errors);
      await assertQueueHasRoom(env.limits);
      return ctx.services.queue.enqueue(wf, input.options ?? {}, input.workflowId ?? null);
    }),
  /** Validate without running (the editor shows the problems on nodes and ports). */
  validate: publicProcedure.input(z.object({ workflow: z.unknown() })).query(({ ctx, input }) => {
    const wf = parseWorkflow(input.workflow);
    const { env } = ctx.services;
    return validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: uploadExistsIn(uploadsDir(env)) }).errors;
  }),
  /**
   * The same check as a POST that answers with the problems instead of refusing: the editor asks
   * before it queues, so a workflow with problems is shown on its nodes without a failed request.
   * Stores nothing and answers only about the workflow sent, so it is nobody's and anyone who may
   * validate may call it; the request body limit and validation's work limits bound it as they
   * bound runs.validate.
   */
  check: publicProcedure.input(z.object({ workflow: z.unknown() })).mutation(({ ctx, input }) => {
    const wf = parseWorkflow(input.workflow);
    const { env } = ctx.services;
    return validateWorkflow(wf, ctx.services.registry, { modelsDir: env.modelsDir, inputFileExists: uploadExistsIn(uploadsDir(env)) }).errors;
  }),
  get: publicProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const run = await ctx.db.runs.getRun(input.id);
    return { ...run, live: ctx.services.hub.state(input.id) ?? null };
  }),
  list: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).optional(), cursor: Id.optional() }).optional())
    .query(({ ctx, input }) => ctx.db.runs.listRuns(input ?? {})),
  /** The processes executing runs (workers behind the queue in Redis; none in-process). */
  workers: publicProcedure.query(({ ctx }) => ctx.services.queue.workers()),
  pending: publicProcedure.query(async ({ ctx }) => ({ current: ctx.services.queue.current, pending: await ctx.db.runs.listPendingRuns() })),
  cancel: publicProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => ({ result: await ctx.services.queue.cancel(input.id) })),
  clear: publicProcedure.mutation(async ({ ctx }) => ({ cleared: await ctx.services.queue.clear() })),
  moveToFront: publicProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => ({ moved: await ctx.services.queue.moveToFront(input.id) })),
  gallery: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).optional(), cursor: Id.optional() }).optional())
    .query(({ ctx, input }) => ctx.db.artifacts.listGalleryImages(input ?? {})),
  /** Progress events over SSE; starts with a snapshot of what is queued and running now. */
  events: publicProcedure.subscription(async function* ({ ctx, signal }) {
    const { hub, queue } = ctx.services;
    // listen first (on() buffers), so nothing emitted while the snapshot is sent is lost
    const live = on(hub.emitter, "event", { signal });
    yield { type: "snapshot", active: hub.active(), current: queue.current };
    for await (const [e] of live) yield e as StreamEvent;
  }),
});
