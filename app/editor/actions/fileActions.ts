"use client";
/** Workflows as files: export as JSON or as a diffusers script, import a JSON file or a PNG this app saved. */
import { exportPython } from "../../../nodes/core/exportPython";
import { parseWorkflow, WorkflowFormatError } from "../../../nodes/core/workflow";
import { errorMessage } from "../../trpc/client";
import { workflowTextFromPng } from "../lib/pngText";
import { useGraph } from "../state/graphStore";
import { useTabs } from "../state/tabsStore";
import { type ActionContext, showInUrl } from "./context";

function download(name: string, text: string, ext = "json", type = "application/json"): string {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = `${name.replace(/[^\w.-]+/g, "_") || "workflow"}.${ext}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  return a.download;
}

export function fileActions({ notify, mayDiscard, loadGraph, queryClient, trpc }: ActionContext) {
  return {
    exportJson() {
      const g = useGraph.getState();
      download(g.workflow.name, JSON.stringify(g.toWorkflow(), null, 2));
    },

    /** The workflow as a diffusers script, or a notice naming the nodes diffusers has no equivalent for. */
    async exportPython() {
      const g = useGraph.getState();
      // the model each package came from, where its model_index.json records it
      const models = await queryClient.fetchQuery(trpc.models.list.queryOptions()).catch(() => []);
      const modelIds = Object.fromEntries(models.map((m) => [m.name, m.source]));
      const r = exportPython(g.toWorkflow(), { declarationOf: (type) => g.catalog.get(type), modelIds });
      if (!r.ok) {
        notify(r.message, "error");
        return;
      }
      const file = download(g.workflow.name, r.script, "py", "text/x-python");
      notify(`Exported ${file}: a ${r.pipeline} call with this workflow's settings`, "success");
    },

    /**
     * Open a workflow from a .json file or a PNG the app saved (its tEXt chunk). `newTab`: open it
     * beside the current workflow (a file dropped on the canvas) instead of replacing it.
     */
    async importFile(file: File, { newTab = false }: { newTab?: boolean } = {}): Promise<boolean> {
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
        // the tab opens only once the file proved to hold a workflow, so a bad file leaves no empty tab
        if (newTab) useTabs.getState().open();
        else if (!(await mayDiscard())) return false;
        loadGraph(wf, { id: null, name: wf.name ?? file.name.replace(/\.\w+$/, "") }, false);
        showInUrl(null);
        notify(`Loaded the workflow from ${file.name}`, "success");
        return true;
      } catch (err) {
        notify(`${file.name}: ${err instanceof WorkflowFormatError ? err.message : errorMessage(err)}`, "error");
        return false;
      }
    },
  };
}
