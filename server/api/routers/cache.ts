import { publicProcedure, router } from "../trpc";

export const cacheRouter = router({
  stats: publicProcedure.query(({ ctx }) => ctx.services.engine.cacheStats()),
  clear: publicProcedure.mutation(async ({ ctx }) => ({ cleared: await ctx.services.engine.clearCache() })),
});
