import type { NodeRunner } from "../engine/runContext";

/** Notes are never executed (`executable: false`); this keeps the runner table total. */
export const runNote: NodeRunner = async () => ({ outputs: {} });
