"use client";
/**
 * Results that stay: after a reload (or opening a workflow) each node gets back its last results
 * from the stored artifacts — of the saved workflow's runs, or, for a workflow never saved, of
 * the runs this browser tab queued (remembered in sessionStorage, which lives as long as the tab).
 */
import { useRuns } from "../state/runStore";
import { RESULT_HISTORY } from "../lib/resultHistory";
import type { NodeUi } from "../lib/runState";
import { errorMessage } from "../../trpc/client";
import type { ActionContext } from "./context";

const KEY = "unclip-studio.tab-runs";
/** Runs remembered per tab (the server looks at no more). */
const REMEMBERED = 40;

function remembered(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(-REMEMBERED) : [];
  } catch {
    return [];
  }
}

/** Remember a run this tab queued, so its results come back after a reload. */
export function rememberRun(runId: string): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify([...remembered().filter((id) => id !== runId), runId].slice(-REMEMBERED)));
  } catch {
    // storage full or switched off: results then stay only until the reload
  }
}

/**
 * Put the stored results back on the nodes: of a saved workflow's runs (`workflowId`), of the
 * given runs, or of the runs this tab queued.
 */
export async function restoreResults(client: ActionContext["client"], from: { workflowId?: string | null; runIds?: string[] } = {}): Promise<void> {
  const runIds = from.runIds ?? remembered();
  const query = from.workflowId ? { workflowId: from.workflowId, perNode: RESULT_HISTORY } : { runIds, perNode: RESULT_HISTORY };
  if (!from.workflowId && !runIds.length) return;
  try {
    const history = await client.runs.nodeHistory.query(query);
    const asUi: Record<string, NodeUi[]> = {};
    for (const [nodeId, entries] of Object.entries(history)) asUi[nodeId] = entries.map((e) => ({ images: e.images }));
    useRuns.getState().restoreHistory(asUi);
  } catch (err) {
    // a convenience: the nodes simply show no earlier results
    console.warn(`could not read earlier results: ${errorMessage(err)}`);
  }
}
