import { z } from "zod";
import { TEMPLATES } from "../../../nodes/core/templates";
import { parseWorkflow, WORKFLOW_VERSION } from "../../../nodes/core/workflow";
import { publicProcedure, router } from "../trpc";

const Id = z.string().min(1).max(64);
const Name = z.string().trim().min(1).max(200);

function toJson(graph: unknown): string {
  return JSON.stringify(parseWorkflow(graph));
}

export const workflowsRouter = router({
  list: publicProcedure.query(({ ctx }) => ctx.db.workflows.listWorkflows()),
  get: publicProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const w = await ctx.db.workflows.getWorkflow(input.id);
    return { ...w, graph: parseWorkflow(w.graph) };
  }),
  create: publicProcedure
    .input(z.object({ name: Name, graph: z.unknown() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.createWorkflow(input.name, toJson(input.graph), WORKFLOW_VERSION)),
  update: publicProcedure
    .input(z.object({ id: Id, graph: z.unknown(), expectedUpdatedAt: z.date().optional() }))
    .mutation(({ ctx, input }) =>
      ctx.db.workflows.updateWorkflow(input.id, toJson(input.graph), input.expectedUpdatedAt ? { expectedUpdatedAt: input.expectedUpdatedAt } : undefined),
    ),
  rename: publicProcedure.input(z.object({ id: Id, name: Name })).mutation(({ ctx, input }) => ctx.db.workflows.renameWorkflow(input.id, input.name)),
  delete: publicProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.db.workflows.deleteWorkflow(input.id);
    return { id: input.id };
  }),
  duplicate: publicProcedure
    .input(z.object({ id: Id, name: Name.optional() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.duplicateWorkflow(input.id, input.name)),
  /** Import a workflow JSON (any supported format version; older ones are migrated). */
  import: publicProcedure.input(z.object({ json: z.string().max(10_000_000), name: Name.optional() })).mutation(({ ctx, input }) => {
    const graph = parseWorkflow(input.json);
    return ctx.db.workflows.createWorkflow(input.name ?? graph.name ?? "Imported workflow", JSON.stringify(graph), WORKFLOW_VERSION);
  }),
  /** The workflow as a JSON document (current format version). */
  export: publicProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const w = await ctx.db.workflows.getWorkflow(input.id);
    const graph = parseWorkflow(w.graph);
    return { name: w.name, json: JSON.stringify({ ...graph, name: w.name }, null, 2) };
  }),
  templates: publicProcedure.query(() => TEMPLATES),
});
