import { noteNode } from "./node";
import { defineRunner } from "../engine/runContext";

/** Notes are never executed (`executable: false`); this keeps the runner table total. */
export const noteRunner = defineRunner(noteNode, () => ({ outputs: {} }));
