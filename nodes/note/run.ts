import type { NodeRunner } from "./runtime";

/** Notes are never executed (`executable: false`); this keeps the runner table total. */
export const runNote: NodeRunner = async () => ({ outputs: {} });
