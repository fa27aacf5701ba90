/**
 * Queue lists show the runs of one "Run ×N" as one group: runs next to each other with the same
 * batch id are gathered (a batch's runs are queued together, so they are neighbours unless
 * another person's run or a move to the front came between). Also the one-line label of a run:
 * its workflow's name and the start of its prompt, instead of its id.
 */
export interface Groupable {
  id: string;
  batchId: string | null;
}

export type RunGroup<T extends Groupable> = { batchId: null; runs: [T] } | { batchId: string; runs: T[] };

export function groupRuns<T extends Groupable>(runs: readonly T[]): RunGroup<T>[] {
  const out: RunGroup<T>[] = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (r.batchId !== null && last?.batchId === r.batchId) last.runs.push(r);
    else out.push(r.batchId === null ? { batchId: null, runs: [r] } : { batchId: r.batchId, runs: [r] });
  }
  return out;
}

/** Characters of the prompt a queue entry shows. */
const PROMPT_START = 40;

/** "Text to image · “a red circle on a blue…”", or the parts there are; null when neither. */
export function runLabel(r: { workflowName: string | null; prompt: string | null }): string | null {
  const prompt = r.prompt?.replace(/\s+/g, " ").trim();
  const start = prompt ? `“${prompt.length > PROMPT_START ? `${prompt.slice(0, PROMPT_START - 1)}…` : prompt}”` : null;
  const parts = [r.workflowName, start].filter((x): x is string => Boolean(x));
  return parts.length ? parts.join(" · ") : null;
}
