import { z } from "zod";
import { TEMPLATES } from "../../../nodes/core/templates";
import { parseWorkflow, WORKFLOW_VERSION } from "../../../nodes/core/workflow";
import { teacherProcedure, userProcedure, router } from "../trpc";

const Id = z.string().min(1).max(64);
const Name = z.string().trim().min(1).max(200);

function toJson(graph: unknown): string {
  return JSON.stringify(parseWorkflow(graph));
}

export const workflowsRouter = router({
  /** What the viewer may open: "mine", shared with the class by others, class templates, or all of these. */
  list: userProcedure
    .input(z.object({ scope: z.enum(["all", "mine", "shared", "templates"]).optional() }).optional())
    .query(({ ctx, input }) => ctx.db.workflows.listWorkflows(input?.scope)),
  get: userProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const w = await ctx.db.workflows.getWorkflow(input.id);
    return { ...w, graph: parseWorkflow(w.graph) };
  }),
  create: userProcedure
    .input(z.object({ name: Name, graph: z.unknown() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.createWorkflow(input.name, toJson(input.graph), WORKFLOW_VERSION)),
  update: userProcedure
    .input(z.object({ id: Id, graph: z.unknown(), expectedUpdatedAt: z.date().optional() }))
    .mutation(({ ctx, input }) =>
      ctx.db.workflows.updateWorkflow(input.id, toJson(input.graph), input.expectedUpdatedAt ? { expectedUpdatedAt: input.expectedUpdatedAt } : undefined),
    ),
  /** Share with the class (read-only for others; they may duplicate it), or stop sharing. */
  share: userProcedure
    .input(z.object({ id: Id, shared: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.setWorkflowSharing(input.id, { shared: input.shared })),
  /** Publish as a class template (everyone's Templates menu), or withdraw it. */
  publishTemplate: teacherProcedure
    .input(z.object({ id: Id, classTemplate: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.setWorkflowSharing(input.id, { classTemplate: input.classTemplate })),
  rename: userProcedure.input(z.object({ id: Id, name: Name })).mutation(({ ctx, input }) => ctx.db.workflows.renameWorkflow(input.id, input.name)),
  delete: userProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.db.workflows.deleteWorkflow(input.id);
    return { id: input.id };
  }),
  duplicate: userProcedure
    .input(z.object({ id: Id, name: Name.optional() }))
    .mutation(({ ctx, input }) => ctx.db.workflows.duplicateWorkflow(input.id, input.name)),
  /** Import a workflow JSON (any supported format version; older ones are migrated). */
  import: userProcedure.input(z.object({ json: z.string().max(10_000_000), name: Name.optional() })).mutation(({ ctx, input }) => {
    const graph = parseWorkflow(input.json);
    return ctx.db.workflows.createWorkflow(input.name ?? graph.name ?? "Imported workflow", JSON.stringify(graph), WORKFLOW_VERSION);
  }),
  /** The workflow as a JSON document (current format version). */
  export: userProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const w = await ctx.db.workflows.getWorkflow(input.id);
    const graph = parseWorkflow(w.graph);
    return { name: w.name, json: JSON.stringify({ ...graph, name: w.name }, null, 2) };
  }),
  templates: userProcedure.query(() => TEMPLATES),
});
