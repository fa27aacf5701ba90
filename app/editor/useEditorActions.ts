"use client";
/**
 * What the toolbar, menus and shortcuts do: run and cancel, and the workflow file operations
 * (through the API), each reporting back in a short notice.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { parseWorkflow, WorkflowFormatError, type Workflow } from "../../nodes/core/workflow";
import { errorMessage, useTRPC, useTRPCClient, validationErrorsOf } from "../trpc/client";
import { workflowTextFromPng } from "./lib/pngText";
import { isDirty, useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { askConfirm, askName, askWorkflowToOpen, useUi } from "./state/uiStore";
import { isActive } from "./lib/runState";

const PREVIEW_EVERY = 5;

/** Keep the open workflow in the address bar, so a reload opens it again. */
function showInUrl(params: Record<string, string> | null): void {
  const url = new URL(window.location.href);
  url.search = params ? new URLSearchParams(params).toString() : "";
  window.history.replaceState(null, "", url);
}

function download(name: string, text: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = `${name.replace(/[^\w.-]+/g, "_") || "workflow"}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function useEditorActions() {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  return useMemo(() => {
    const notify = (text: string, tone?: "info" | "error" | "success") => useUi.getState().notify(text, tone);
    const refreshList = () => queryClient.invalidateQueries({ queryKey: trpc.workflows.list.queryKey() });

    /** Ask before throwing away unsaved changes. */
    const mayDiscard = async () => !isDirty(useGraph.getState()) || (await askConfirm("Unsaved changes", "The current workflow has unsaved changes. Discard them?", "Discard", true));

    const loadGraph = (wf: Workflow, info: { id: string | null; name: string; updatedAt?: Date }, saved = true) => {
      useGraph.getState().load(wf, info, { saved });
      useUi.getState().setProblems([]);
      useRuns.getState().clearOutputs();
      // teaching workflows open with the teaching views showing
      if (wf.meta?.teach === true) useUi.getState().setTeachOpen(true);
      window.dispatchEvent(new Event("studio:fit"));
    };

    const actions = {
      async run() {
        const g = useGraph.getState();
        if (!g.nodes.length) return notify("The canvas is empty: add nodes or open a template first.", "error");
        g.drawRandomSeeds();
        const wf = useGraph.getState().toWorkflow();
        useUi.getState().setProblems([]);
        try {
          const { runId, position } = await client.runs.enqueue.mutate({ workflow: wf, workflowId: g.workflow.id, options: { previewEvery: PREVIEW_EVERY, trace: useUi.getState().traceRuns } });
          const runnable = wf.nodes.filter((n) => g.catalog.get(n.type)?.executable !== false).map((n) => n.id);
          useRuns.getState().queued(runId, runnable);
          notify(position > 1 ? `Queued (position ${position})` : "Running…", "info");
        } catch (err) {
          const problems = validationErrorsOf(err);
          if (problems) {
            useUi.getState().setProblems(problems);
            useUi.getState().setSideTab("problems");
            notify(`The workflow has ${problems.length} problem${problems.length > 1 ? "s" : ""}: see Problems.`, "error");
          } else {
            notify(errorMessage(err), "error");
          }
        }
      },

      async cancel(runId?: string) {
        const id = runId ?? useRuns.getState().focusRunId;
        if (!id) return;
        try {
          const { result } = await client.runs.cancel.mutate({ id });
          if (result === "not_found") notify("That run has already ended.");
          else notify(result === "stopping" ? "Stopping the run…" : "Removed from the queue.");
        } catch (err) {
          notify(errorMessage(err), "error");
        }
      },

      canCancel(): boolean {
        const s = useRuns.getState();
        return Boolean(s.focusRunId && isActive(s.runs[s.focusRunId]));
      },

      async loadTemplate(name: string) {
        if (!(await mayDiscard())) return;
        const templates = await queryClient.fetchQuery(trpc.workflows.templates.queryOptions());
        const t = templates.find((x) => x.name === name) ?? templates[0];
        if (!t) return notify("No templates available.", "error");
        loadGraph(t, { id: null, name: t.name ?? name });
        showInUrl(null);
      },

      async newWorkflow() {
        if (!(await mayDiscard())) return;
        loadGraph({ format: "unclip-studio/workflow", version: 1, nodes: [], links: [] }, { id: null, name: "Untitled" });
        showInUrl(null);
      },

      async openWorkflow(id: string, options: { ask?: boolean } = {}) {
        if (options.ask !== false && !(await mayDiscard())) return;
        try {
          const w = await client.workflows.get.query({ id });
          loadGraph(w.graph, { id: w.id, name: w.name, updatedAt: w.updatedAt });
          showInUrl({ w: w.id });
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

      exportJson() {
        const g = useGraph.getState();
        download(g.workflow.name, JSON.stringify(g.toWorkflow(), null, 2));
      },

      /** Open a workflow from a .json file or a PNG the app saved (its tEXt chunk). */
      async importFile(file: File): Promise<boolean> {
        let text: string | null;
        try {
          const bytes = new Uint8Array(await file.arrayBuffer());
          const png = bytes[0] === 0x89 && bytes[1] === 0x50;
          text = png ? workflowTextFromPng(bytes) : new TextDecoder().decode(bytes);
          if (text === null) {
            notify(`${file.name} has no workflow in it (only images saved by this app do).`, "error");
            return false;
          }
          const wf = parseWorkflow(text);
          if (!(await mayDiscard())) return false;
          loadGraph(wf, { id: null, name: wf.name ?? file.name.replace(/\.\w+$/, "") }, false);
          showInUrl(null);
          notify(`Loaded the workflow from ${file.name}`, "success");
          return true;
        } catch (err) {
          notify(`${file.name}: ${err instanceof WorkflowFormatError ? err.message : errorMessage(err)}`, "error");
          return false;
        }
      },

      /** Open the graph a run executed (from the gallery). */
      async loadRun(runId: string) {
        try {
          const run = await client.runs.get.query({ id: runId });
          const wf = parseWorkflow(run.workflowSnapshot);
          loadGraph(wf, { id: null, name: wf.name ?? "Workflow from a run" }, false);
          notify("Loaded the workflow of that run", "success");
        } catch (err) {
          notify(`Could not load that run's workflow: ${errorMessage(err)}`, "error");
        }
      },
    };
    return actions;
  }, [client, trpc, queryClient]);
}

export type EditorActions = ReturnType<typeof useEditorActions>;
