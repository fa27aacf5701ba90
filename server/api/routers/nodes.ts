import { catalog } from "../../../nodes/registry";
import { userProcedure, router } from "../trpc";

export const nodesRouter = router({
  /** Every node type's declaration, for the editor. */
  catalog: userProcedure.query(() => catalog()),
});
