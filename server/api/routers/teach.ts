/**
 * What the teaching views read: the traces a run recorded (stored as artifacts) and the numbers
 * of a Scheduler node's schedule for its current settings, computed by evaluating just that node
 * (and what feeds it) with the real executor and scheduler.
 */
import { z } from "zod";
import { InputError } from "../../errors";
import { executeWorkflow } from "../../graph/executor";
import { parseWorkflow } from "../../../nodes/core/workflow";
import type { SchedulerValue } from "../../../nodes/engine/values";
import { describeSchedule } from "../../unclip/scheduleInfo";
import { assertSchedulerChain } from "../scheduleChain";
import { userProcedure, router } from "../trpc";

const Id = z.string().min(1).max(64);

function isScheduler(v: unknown): v is SchedulerValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "scheduler";
}

export const teachRouter = router({
  /** A run's traces by node (or those of the latest traced run). */
  traces: userProcedure.input(z.object({ runId: Id.optional() }).optional()).query(async ({ ctx, input }) => {
    const { runId, traces } = await ctx.db.artifacts.listRunTraces(input?.runId);
    return { runId, traces: traces.map((t) => ({ nodeId: t.nodeId, id: t.id, url: `/api/artifacts/${t.id}`, bytes: t.bytes })) };
  }),
  /** The schedule a node's SCHEDULER output would sample with, for the workflow as it is now. */
  schedule: userProcedure.input(z.object({ workflow: z.unknown(), nodeId: Id })).query(async ({ ctx, input }) => {
    const wf = parseWorkflow(input.workflow);
    assertSchedulerChain(wf, ctx.services.registry, input.nodeId, ctx.services.env.modelsDir);
    const report = await executeWorkflow(ctx.services.executor, wf, { runId: "schedule-view", targets: [input.nodeId] });
    const outputs = report.values?.[input.nodeId] ?? {};
    const [port, value] = Object.entries(outputs).find(([, v]) => isScheduler(v)) ?? [];
    if (!isScheduler(value)) {
      throw new InputError("not_a_scheduler", `node ${input.nodeId} has no SCHEDULER output to describe`, { node: input.nodeId });
    }
    return {
      port,
      packageName: value.packageName,
      component: value.component,
      ...describeSchedule(value.scheduler, value.numInferenceSteps),
    };
  }),
});
