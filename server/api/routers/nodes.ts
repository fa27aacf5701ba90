import { catalog } from "../../../nodes/registry";
import { publicProcedure, router } from "../trpc";

export const nodesRouter = router({
  /** Every node type's declaration, for the editor. */
  catalog: publicProcedure.query(() => catalog()),
});
