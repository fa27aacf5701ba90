/**
 * The editor's run store: a run whose events all arrive before its enqueue call returns (every
 * node cached, as in a lesson's repeated step) still shows its outputs and traces on the nodes.
 */
import { expect, it } from "vitest";
import { useRuns } from "../../app/editor/state/runStore";

it("outputs of a run that finished before it was marked queued become the shown outputs", () => {
  useRuns.getState().clearOutputs();
  useRuns.getState().queued("r0", ["decoder"]);
  const trace = { id: "t1", url: "/api/artifacts/t1" };
  // r1's events arrive while r0 still has the focus
  useRuns.getState().apply({ type: "run.started", runId: "r1" } as never);
  useRuns.getState().apply({ type: "node.cached", runId: "r1", nodeId: "decoder", ui: { trace } } as never);
  useRuns.getState().apply({ type: "node.cached", runId: "r1", nodeId: "tokenizer", ui: {} } as never);
  expect(useRuns.getState().outputs.decoder).toBeUndefined();
  useRuns.getState().queued("r1", ["decoder", "tokenizer"]);
  expect(useRuns.getState().focusRunId).toBe("r1");
  expect(useRuns.getState().outputs.decoder?.trace?.url).toBe(trace.url);
  expect(useRuns.getState().outputs.tokenizer).toBeUndefined();
  // the node states the events set are kept, not reset to "queued"
  expect(useRuns.getState().runs.r1.nodes.decoder.state).toBe("cached");
});
