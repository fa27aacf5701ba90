"use client";
/**
 * The editor page: toolbar, canvas and side panel. Opens the workflow named in the address bar
 * (?w=<saved id> or ?run=<run id>), otherwise the "Text to image" template, so a newcomer can
 * press Run straight away.
 */
import { useQuery } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { type ReactNode, useEffect, useRef } from "react";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { Canvas } from "./Canvas";
import { Dialogs, Notices } from "./Dialogs";
import { dropFiles } from "./dropFiles";
import { indexCatalog } from "./lib/types";
import { NodeMenu } from "./NodeMenu";
import { ResultsStrip } from "./ResultsStrip";
import { Palette } from "./Palette";
import { ShortcutsOverlay } from "./ShortcutsOverlay";
import { SidePanel } from "./SidePanel";
import { SweepDialog } from "./sweep/SweepDialog";
import { TeachPanel } from "./teach/TeachPanel";
import { isDirty, useGraph } from "./state/graphStore";
import { useTabs } from "./state/tabsStore";
import { TabStrip } from "./TabStrip";
import { Toolbar } from "./Toolbar";
import { useEditorActions } from "./useEditorActions";
import { useRunEvents } from "./useRunEvents";
import { restoreResults } from "./actions/resultActions";
import { useShortcuts } from "./useShortcuts";

const FIRST_TEMPLATE = "Text to image";

/** `aside`: a panel left of the canvas (a lesson), which then decides what the editor opens with. */
function EditorInner({ aside }: { aside?: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const catalog = useQuery(trpc.nodes.catalog.queryOptions(undefined, { staleTime: Infinity }));
  const actions = useEditorActions();
  const ready = useGraph((s) => s.catalog.size > 0);
  const started = useRef(false);
  useRunEvents();
  useShortcuts(actions);

  useEffect(() => {
    if (catalog.data) useGraph.getState().setCatalog(indexCatalog(catalog.data));
  }, [catalog.data]);

  useEffect(() => {
    if (!ready || started.current || aside) return;
    started.current = true;
    const params = new URLSearchParams(window.location.search);
    const id = params.get("w");
    const run = params.get("run");
    void (async () => {
      if (id && (await actions.openWorkflow(id, { ask: false }))) return;
      if (run) return actions.loadRun(run);
      await actions.loadTemplate(FIRST_TEMPLATE);
      // a workflow never saved: the results of the runs this tab queued before the reload
      await restoreResults(client);
    })();
  }, [ready, actions, aside, client]);

  // leaving with unsaved changes asks first
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      const others = Object.values(useTabs.getState().aside).some((t) => isDirty(t.graph) && t.graph.nodes.length);
      if ((isDirty(useGraph.getState()) && useGraph.getState().nodes.length) || others) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  return (
    <div className="flex h-screen flex-col overflow-hidden bg-slate-950 text-slate-200">
      <Toolbar actions={actions} />
      <div className="relative flex min-h-0 flex-1">
        {aside}
        <main className="relative flex min-w-0 flex-1 flex-col">
          {ready && <TabStrip />}
          <div className="relative min-h-0 flex-1">
            {catalog.isError ? (
              <p className="p-6 text-red-300">Could not load the node catalog: {catalog.error.message}</p>
            ) : !ready ? (
              <p className="p-6 text-slate-400">Loading the node catalog…</p>
            ) : (
              <Canvas onFiles={(files, on) => void dropFiles(files, on, (f, how) => actions.importFile(f, how))} />
            )}
          </div>
          {ready && <ResultsStrip />}
          {ready && <TeachPanel />}
        </main>
        <SidePanel actions={actions} />
      </div>
      <Palette />
      <Dialogs actions={actions} />
      <SweepDialog actions={actions} />
      <ShortcutsOverlay />
      <NodeMenu actions={actions} />
      <Notices />
    </div>
  );
}

export function Editor({ aside }: { aside?: ReactNode }) {
  return (
    <ReactFlowProvider>
      <EditorInner aside={aside} />
    </ReactFlowProvider>
  );
}
