"use client";
/** The workflow operations through the API: templates, new, open, save, rename, duplicate, delete, a run's graph. */
import { emptyWorkflow, parseWorkflow } from "../../../nodes/core/workflow";
import { errorMessage } from "../../trpc/client";
import { isDirty, useGraph } from "../state/graphStore";
import { askConfirm, askName, askWorkflowToOpen } from "../state/uiStore";
import { type ActionContext, showInUrl } from "./context";
import { restoreResults } from "./resultActions";

export function workflowActions({ client, trpc, queryClient, notify, refreshList, mayDiscard, loadGraph }: ActionContext) {
  const actions = {
    async loadTemplate(name: string) {
      if (!(await mayDiscard())) return;
      const templates = await queryClient.fetchQuery(trpc.workflows.templates.queryOptions());
      const t = templates.find((x) => x.name === name) ?? templates[0];
      if (!t) return notify("No templates available.", "error");
      loadGraph(t, { id: null, name: t.name ?? name });
      showInUrl(null);
    },

    /** A class template (a teacher's workflow) as a new, unsaved workflow of one's own. */
    async loadClassTemplate(id: string) {
      if (!(await mayDiscard())) return;
      try {
        const w = await client.workflows.get.query({ id });
        loadGraph(w.graph, { id: null, name: w.name });
        showInUrl(null);
      } catch (err) {
        notify(`Could not load the template: ${errorMessage(err)}`, "error");
      }
    },

    /** Share the open workflow with the class (read-only for others), or stop; a teacher may publish it as a class template. */
    async setSharing(change: { shared?: boolean; classTemplate?: boolean }) {
      const id = useGraph.getState().workflow.id;
      if (!id) return notify("Save the workflow first.", "error");
      try {
        if (change.shared !== undefined) await client.workflows.share.mutate({ id, shared: change.shared });
        if (change.classTemplate !== undefined) await client.workflows.publishTemplate.mutate({ id, classTemplate: change.classTemplate });
        void refreshList();
        void queryClient.invalidateQueries({ queryKey: trpc.workflows.list.queryKey() });
        notify(
          change.classTemplate !== undefined
            ? change.classTemplate
              ? "Published as a class template"
              : "No longer a class template"
            : change.shared
              ? "Shared with the class (read-only for others)"
              : "No longer shared",
          "success",
        );
      } catch (err) {
        notify(`Could not change sharing: ${errorMessage(err)}`, "error");
      }
    },

    async newWorkflow() {
      if (!(await mayDiscard())) return;
      loadGraph(emptyWorkflow(), { id: null, name: "Untitled" });
      showInUrl(null);
    },

    async openWorkflow(id: string, options: { ask?: boolean } = {}) {
      if (options.ask !== false && !(await mayDiscard())) return;
      try {
        const w = await client.workflows.get.query({ id });
        loadGraph(w.graph, { id: w.id, name: w.name, updatedAt: w.updatedAt });
        showInUrl({ w: w.id });
        void restoreResults(client, { workflowId: w.id });
      } catch (err) {
        notify(`Could not open the workflow: ${errorMessage(err)}`, "error");
        return false;
      }
      return true;
    },

    async openDialog() {
      const id = await askWorkflowToOpen();
      if (id) await actions.openWorkflow(id);
    },

    async save(): Promise<boolean> {
      const g = useGraph.getState();
      if (!g.workflow.id) return actions.saveAs();
      try {
        const w = await client.workflows.update.mutate({ id: g.workflow.id, graph: g.toWorkflow() });
        useGraph.getState().markSaved({ id: w.id, name: w.name, updatedAt: w.updatedAt });
        void refreshList();
        notify(`Saved “${w.name}”`, "success");
        return true;
      } catch (err) {
        notify(`Could not save: ${errorMessage(err)}`, "error");
        return false;
      }
    },

    async saveAs(): Promise<boolean> {
      const g = useGraph.getState();
      const name = await askName("Save workflow", "Name", g.workflow.id ? `${g.workflow.name} copy` : g.workflow.name, "Save");
      if (!name) return false;
      try {
        const w = await client.workflows.create.mutate({ name, graph: { ...useGraph.getState().toWorkflow(), name } });
        useGraph.getState().markSaved({ id: w.id, name: w.name, updatedAt: w.updatedAt });
        showInUrl({ w: w.id });
        void refreshList();
        notify(`Saved “${w.name}”`, "success");
        return true;
      } catch (err) {
        notify(`Could not save: ${errorMessage(err)}`, "error");
        return false;
      }
    },

    async rename() {
      const g = useGraph.getState();
      const name = await askName("Rename workflow", "Name", g.workflow.name, "Rename");
      if (!name || name === g.workflow.name) return;
      if (!g.workflow.id) {
        useGraph.setState((s) => ({ workflow: { ...s.workflow, name } }));
        return;
      }
      try {
        const w = await client.workflows.rename.mutate({ id: g.workflow.id, name });
        useGraph.setState((s) => ({ workflow: { ...s.workflow, name: w.name, updatedAt: w.updatedAt } }));
        void refreshList();
        notify(`Renamed to “${w.name}”`, "success");
      } catch (err) {
        notify(`Could not rename: ${errorMessage(err)}`, "error");
      }
    },

    async duplicate() {
      const g = useGraph.getState();
      if (!g.workflow.id) return void actions.saveAs();
      const name = await askName("Duplicate workflow", "Name of the copy", `${g.workflow.name} copy`, "Duplicate");
      if (!name) return;
      try {
        if (isDirty(g)) await actions.save();
        const w = await client.workflows.duplicate.mutate({ id: g.workflow.id, name });
        void refreshList();
        await actions.openWorkflow(w.id, { ask: false });
        notify(`Opened the copy “${w.name}”`, "success");
      } catch (err) {
        notify(`Could not duplicate: ${errorMessage(err)}`, "error");
      }
    },

    async remove(id?: string) {
      const g = useGraph.getState();
      const target = id ?? g.workflow.id;
      if (!target) return notify("This workflow was never saved.");
      if (!(await askConfirm("Delete workflow", "Delete this saved workflow? Its runs and images stay in the gallery.", "Delete", true))) return;
      try {
        await client.workflows.delete.mutate({ id: target });
        void refreshList();
        if (target === g.workflow.id) {
          useGraph.setState((s) => ({ workflow: { ...s.workflow, id: null }, savedFingerprint: "" }));
          showInUrl(null);
        }
        notify("Workflow deleted", "success");
      } catch (err) {
        notify(`Could not delete: ${errorMessage(err)}`, "error");
      }
    },

    /** Open the graph a run executed (from the gallery). */
    async loadRun(runId: string) {
      try {
        const run = await client.runs.get.query({ id: runId });
        const wf = parseWorkflow(run.workflowSnapshot);
        loadGraph(wf, { id: null, name: wf.name ?? "Workflow from a run" }, false);
        // the run's own pictures on its nodes (the gallery's "open in editor")
        void restoreResults(client, { runIds: [runId] });
        notify("Loaded the workflow of that run", "success");
      } catch (err) {
        notify(`Could not load that run's workflow: ${errorMessage(err)}`, "error");
      }
    },
  };
  return actions;
}
