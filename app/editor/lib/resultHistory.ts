/**
 * A node's recent results (newest first), as the ‹ › arrows on its picture step through them.
 * Browser-only logic, no React.
 */
import type { NodeUi } from "./runState";

/** Results a node keeps. */
export const RESULT_HISTORY = 10;

/** The first picture's id names a result: the same result arriving twice is kept once. */
function key(ui: NodeUi): string | undefined {
  return ui.images?.[0]?.id;
}

/** `ui` in front of `list`, without a repeat of it, at most RESULT_HISTORY long. */
export function pushResult(list: readonly NodeUi[] | undefined, ui: NodeUi): NodeUi[] {
  const k = key(ui);
  return [ui, ...(list ?? []).filter((x) => k === undefined || key(x) !== k)].slice(0, RESULT_HISTORY);
}
