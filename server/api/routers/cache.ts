import { teacherProcedure, userProcedure, router } from "../trpc";

export const cacheRouter = router({
  stats: userProcedure.query(({ ctx }) => ctx.services.engine.cacheStats()),
  clear: teacherProcedure.mutation(async ({ ctx }) => ({ cleared: await ctx.services.engine.clearCache() })),
});
